// The nodes of one run, whatever their kind (local processes, a fresh or existing local cluster,
// real hosts), and small helpers to act on all of them (internal to runner/src).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <faultline/control/cluster.h>

#include "faultline/runner/spec.h"
#include "faultline/runner/system.h"
#include "run_files.h"

namespace faultline::runner::detail {

// Nodes of the run, whatever their kind, and what must be undone at the end.
struct Nodes {
  std::optional<control::Cluster> cluster;  // local cluster / hosts
  std::string created_cluster;              // local cluster brought up for this run
  std::string work_dir;                     // local processes: node dirs live here
  std::vector<std::unique_ptr<control::Remote>> local_remotes;
  std::vector<SystemNode> nodes;
  std::string control_netns;
  std::string journal_path;
  std::string describe;
};

// Opens (or, for a fresh local cluster / local processes, creates) the run's nodes into `n`.
void open_nodes(const TestSpec& spec, Nodes& n, RunLog& log);

// Runs fn(node) for every node, each on its own thread unless `serial`; returns "node: error"
// for each failure. Local processes run serially: a daemon forked while another thread's
// command pipe is open would inherit that pipe and keep the command from ever finishing.
std::vector<std::string> for_each_node(const std::vector<std::string>& nodes, bool serial,
                                       const std::function<void(const std::string&)>& fn);

std::string join(const std::vector<std::string>& v, const char* sep = "; ");

}  // namespace faultline::runner::detail
