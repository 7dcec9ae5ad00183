// Helpers shared by the runner tests (tests/runner/*.cpp), all in namespace runner_test:
//  - TempDir: test_util/temp_dir.h's, a fresh $TMPDIR/<prefix>-XXXXXX directory removed on
//    destruction unless the environment sets FAULTLINE_KEEP_E2E or FAULTLINE_KEEP_TEST_TMP
//    (to look at a run after the fact).
//  - read_lines / count_substr: a JSON-lines file as values; the number of lines of a file that
//    contain a substring (0 when the file cannot be read).
//  - LocalCluster: brings a 3-node local cluster named <prefix><pid % 100000> up on
//    construction (throws if it cannot) and tears it down on destruction, whatever happens.
//    It needs root: a test case using it carries the Catch tag [needs-root] (and its executable
//    ROOT_CASES or NEEDS_ROOT in CMakeLists.txt), so without root it reports Skipped.
//  - base_spec / local_processes_spec / cluster_spec: a TestSpec of `system` and `workload`
//    stored under <dir>/store, on no nodes, on 3 local processes, or on the named local cluster;
//    the caller sets the rest (nemesis, time limit, load, seed).
//  - run_quiet: run_test without the progress display.
//  - check_valid_run: CHECKs a run's verdict is valid, exit 0, recovered, and no errors.
//  - fault_starts: the run's successful nemesis start ops (info, no "error" in the value), by f
//    ("start-kill" -> their values); fault_nodes: the node names such a value says it hit.
//  - seed_starting_every_fault: the first seed in [from, from + tries) whose fault plan
//    (nemesis::make_schedule on nodes n1..n3, pure) starts every one of `faults` at least once;
//    FAILs the test case when none does.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <faultline/control/local_cluster.h>
#include <faultline/nemesis/schedule.h>

#include "faultline/runner/run.h"
#include "test_util/temp_dir.h"

namespace runner_test {

using faultline::Json;

using TempDir = faultline::test::TempDir;

inline std::vector<Json> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<Json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(Json::parse(line));
  return out;
}

inline int count_substr(const std::string& file, const std::string& what) {
  std::ifstream in(file);
  std::string line;
  int n = 0;
  while (std::getline(in, line))
    if (line.find(what) != std::string::npos) ++n;
  return n;
}

struct LocalCluster {
  std::string name;
  explicit LocalCluster(const std::string& prefix) : name(prefix + std::to_string(::getpid() % 100000)) {
    try {
      faultline::control::local_cluster_up({.name = name, .nodes = 3, .ready_timeout_ms = 15'000});
    } catch (...) {
      down();
      throw;
    }
  }
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;
  ~LocalCluster() { down(); }

 private:
  void down() noexcept {
    try {
      faultline::control::local_cluster_down(name);
    } catch (...) {
    }
  }
};

inline faultline::runner::TestSpec base_spec(const std::string& system, const std::string& workload,
                                             const TempDir& dir) {
  faultline::runner::TestSpec s;
  s.system = system;
  s.workload = workload;
  s.store = (dir.path / "store").string();
  return s;
}

inline faultline::runner::TestSpec local_processes_spec(const std::string& system, const std::string& workload,
                                                        const TempDir& dir) {
  faultline::runner::TestSpec s = base_spec(system, workload, dir);
  s.nodes.mode = faultline::runner::NodesMode::LocalProcesses;
  s.nodes.count = 3;
  return s;
}

inline faultline::runner::TestSpec cluster_spec(const std::string& system, const std::string& workload,
                                                const std::string& cluster, const TempDir& dir) {
  faultline::runner::TestSpec s = base_spec(system, workload, dir);
  s.nodes.mode = faultline::runner::NodesMode::Cluster;
  s.nodes.cluster = cluster;
  return s;
}

inline faultline::runner::RunOutcome run_quiet(const faultline::runner::TestSpec& s) {
  faultline::runner::RunOptions ro;
  ro.progress = false;
  return faultline::runner::run_test(s, ro);
}

inline void check_valid_run(const faultline::runner::RunOutcome& o) {
  CHECK(o.results["valid"] == true);
  CHECK(o.exit_code == 0);
  CHECK(o.results["recovered"] == true);
  CHECK(o.results["errors"].empty());
}

inline std::map<std::string, std::vector<Json>> fault_starts(const std::string& run_dir) {
  std::map<std::string, std::vector<Json>> out;
  for (const auto& op : read_lines(run_dir + "/history.jsonl")) {
    if (op["process"] != "nemesis" || op["type"] != "info") continue;
    const std::string f = op["f"];
    if (f.rfind("start-", 0) != 0) continue;
    if (op["value"].is_object() && op["value"].contains("error")) continue;
    out[f].push_back(op["value"]);
  }
  return out;
}

inline std::vector<std::string> fault_nodes(const Json& start_value) {
  std::vector<std::string> nodes;
  if (start_value.is_object() && start_value.contains("nodes"))
    for (const auto& n : start_value["nodes"]) nodes.push_back(n);
  return nodes;
}

inline uint64_t seed_starting_every_fault(const std::vector<faultline::nemesis::FaultSpec>& faults,
                                          uint64_t from, uint64_t tries, double interval_s,
                                          double time_limit_s) {
  for (uint64_t seed = from; seed < from + tries; ++seed) {
    faultline::nemesis::ScheduleSpec ss;
    ss.faults = faults;
    ss.interval_ms = static_cast<int64_t>(interval_s * 1000);
    ss.time_limit_ms = static_cast<int64_t>(time_limit_s * 1000);
    ss.seed = seed;
    std::set<size_t> started;
    for (const auto& op : faultline::nemesis::make_schedule(ss, {"n1", "n2", "n3"}))
      if (op.action == faultline::nemesis::ScheduledOp::Action::Start) started.insert(op.fault_index);
    if (started.size() == faults.size()) return seed;
  }
  FAIL("no seed in " << tries << " from " << from << " plans every fault");
  return 0;
}

}  // namespace runner_test
