// Cluster: named nodes, an address each, and a Remote each (Jepsen's test :nodes + :remote).
//
// The same type serves a local cluster (local_cluster.h: nodes are network namespaces reached
// over SSH from the cluster's control namespace) and real hosts (a --nodes list or a nodes file,
// reached over SSH from here). Callers never need to know which: they ask for remote(node).
//
// State dir: every cluster has one, holding what must outlive a control process:
//   <state_dir>/faults/journal.jsonl   the nemesis fault journal (see fault_hooks.h)
// Local clusters: /run/faultline/clusters/<name> (override the root with $FAULTLINE_RUN_DIR).
// Real hosts: <data root>/hosts/<id>, where the data root is $FAULTLINE_DATA_DIR, else
// /var/lib/faultline for root, else ~/.local/state/faultline, and <id> is a hash of the sorted
// host:port list (so the same hosts find the same journal).
//
// Ownership: a Cluster owns the Remotes it creates; remote() hands out a reference to a cached
// one per node (one SSH session per node, reused). A Remote is single-threaded: code that
// drives nodes from several threads takes new_remote() per thread.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/control/remote.h"
#include "faultline/control/ssh_remote.h"

namespace faultline::control {

struct LocalClusterInfo;  // local_cluster.h

class ClusterError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct NodeAddress {
  std::string name;  // how tests and users call the node (n1, db-3, ...)
  std::string host;  // what to connect to: IP address or DNS name
  int port = 22;
};

// How every node of a cluster is reached over SSH.
struct SshSettings {
  std::string user = "root";
  std::string private_key_path;  // empty: ssh-agent
  std::string known_hosts_path;  // empty: ~/.ssh/known_hosts
  bool strict_host_key_checking = true;
  std::string netns;             // local clusters: the control namespace
  int64_t connect_timeout_ms = 5'000;
  int max_connect_attempts = 3;
};

class Cluster {
 public:
  Cluster(std::string name, std::string state_dir, std::vector<NodeAddress> nodes, SshSettings ssh);
  ~Cluster();
  Cluster(Cluster&&) noexcept;
  Cluster& operator=(Cluster&&) noexcept;

  const std::string& name() const { return name_; }
  const std::string& state_dir() const { return state_dir_; }
  const std::vector<NodeAddress>& nodes() const { return nodes_; }
  std::vector<std::string> node_names() const;
  const NodeAddress& node(const std::string& name) const;  // throws ClusterError if unknown
  const SshSettings& ssh() const { return ssh_; }

  // The cached Remote of `node` (created on first use).
  Remote& remote(const std::string& node);
  // A new, independent Remote of `node` (its own SSH session), for use on another thread.
  std::unique_ptr<Remote> new_remote(const std::string& node) const;
  SshRemoteOptions ssh_options(const std::string& node) const;
  // Replaces how remotes are made (unit tests inject a fake Remote here).
  using RemoteFactory = std::unique_ptr<Remote> (*)(const Cluster&, const std::string& node);
  void set_remote_factory(RemoteFactory factory);

  // <state_dir>/faults/journal.jsonl; its directory exists once the Cluster is opened.
  std::string fault_journal_path() const;

  // Set for local clusters (namespaces, pids, subnet); nullptr for real hosts.
  const LocalClusterInfo* local() const { return local_.get(); }
  void set_local(const LocalClusterInfo& info);

 private:
  std::string name_;
  std::string state_dir_;
  std::vector<NodeAddress> nodes_;
  SshSettings ssh_;
  RemoteFactory factory_ = nullptr;
  std::map<std::string, std::unique_ptr<Remote>> remotes_;
  std::unique_ptr<LocalClusterInfo> local_;
};

// Real hosts: --nodes / --nodes-file / --ssh-user / --ssh-key / --ssh-port /
// --strict-host-key-checking / --known-hosts, as the CLI takes them.
struct HostsOptions {
  std::string nodes;       // comma list: host[:port],...  (mutually exclusive with nodes_file)
  std::string nodes_file;  // one node a line: "[name] host[:port]"; '#' starts a comment
  std::string ssh_user = "root";
  std::string ssh_key;     // empty: ssh-agent
  int ssh_port = 22;       // default port for entries that name none
  bool strict_host_key_checking = true;
  std::string known_hosts; // empty: ~/.ssh/known_hosts
  std::string state_dir;   // empty: derived (see above)
};

// "a,b:2222,[::1]:22" -> nodes named after their host. Throws ClusterError on a bad entry.
std::vector<NodeAddress> parse_nodes_list(std::string_view list, int default_port);
// Nodes file (see HostsOptions::nodes_file). Throws faultline::ParseError with file:line:col.
std::vector<NodeAddress> parse_nodes_file(const std::string& path, int default_port);
// Builds the Cluster for real hosts (nothing is contacted yet).
Cluster open_hosts_cluster(const HostsOptions& opts);

// Result of probing one node over its Remote (`hostname`, bounded by timeout_ms).
struct NodeHealth {
  std::string node;
  bool reachable = false;
  std::string hostname;  // what the node says it is called
  std::string error;     // why not reachable
  double latency_ms = 0;
};
std::vector<NodeHealth> probe_nodes(Cluster& cluster, int64_t timeout_ms);

// Root of the per-cluster state dirs of local clusters: $FAULTLINE_RUN_DIR or /run/faultline.
std::string faultline_run_dir();
// Root of data that should live on disk: see the header comment.
std::string faultline_data_dir();

}  // namespace faultline::control
