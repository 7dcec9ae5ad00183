// Local cluster: N nodes on this machine, each a small container reached over real SSH.
//
// Topology (no interface, route or NAT is added to the root namespace):
//   fl-<name>-sw     switch namespace holding bridge br0
//   fl-<name>-n<i>   node namespaces; eth0 at <subnet>.(10+i)/24, a veth created inside the
//                    switch namespace with its peer moved straight into the node
//   fl-<name>-ctl    control namespace; eth0 at <subnet>.2/24, NO default route. Every client
//                    socket to a node is opened in here (netns.h), so a stray packet fails with
//                    ENETUNREACH instead of leaving the machine.
// <subnet> is 10.241.K (K in 1..250, distinct per live cluster). Nodes resolve each other by name
// through a per-node /etc/hosts listing n1..nN (and "control").
//
// Node boot: `ip netns exec fl-<name>-n<i> unshare --uts --pid --fork --mount --propagation
// private --mount-proc /bin/sh init.sh`. The init (PID 1 of the node) sets the hostname, binds
// private /var/lib, /var/log, /tmp and /etc/hosts, runs `sshd -D` with the node's own config and
// reaps orphans. SIGKILL of the init's host pid kills the whole node.
//
// Files:
//   /run/faultline/clusters/<name>/            state dir ($FAULTLINE_RUN_DIR overrides the root)
//     cluster.json                             everything below, machine-readable
//     ssh/client_ed25519{,.pub}                client key (authorized on every node as root)
//     ssh/known_hosts                          every node's host key, by address and by name
//     nodes/<n>/{hostkey_ed25519, sshd_config, init.sh, hosts, init.log, sshd.log}
//     faults/journal.jsonl                     nemesis journal (fault_hooks.h)
//   /var/lib/faultline/clusters/<name>/nodes/<n>/{lib,log,tmp}   the node's /var/lib, /var/log,
//                                              /tmp ($FAULTLINE_DATA_DIR overrides the root)
//
// Everything here needs root; each entry point says so clearly otherwise (ClusterError).
// up/down of one cluster are serialised by a lock file; different clusters coexist.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultline/control/cluster.h"

namespace faultline::control {

struct LocalNode {
  std::string name;      // n1
  std::string netns;     // fl-<cluster>-n1
  std::string address;   // 10.241.K.11
  int64_t unshare_pid = 0;          // host pid of the `unshare` parent
  uint64_t unshare_start_ticks = 0;
  int64_t init_pid = 0;             // host pid of the node's PID 1 (kill -9 = node crash)
  uint64_t init_start_ticks = 0;    // /proc/PID/stat field 22, guards against pid reuse
  std::string dir;       // <state>/nodes/n1
  std::string fs_dir;    // <data>/clusters/<name>/nodes/n1 (lib, log, tmp)
};

struct LocalClusterInfo {
  std::string name;
  std::string state_dir;
  std::string data_dir;
  std::string subnet;          // "10.241.7" (a /24)
  std::string switch_netns;    // fl-<name>-sw
  std::string bridge = "br0";  // inside switch_netns; node n<i> is port "n<i>"
  std::string control_netns;   // fl-<name>-ctl
  std::string control_address; // <subnet>.2
  std::string client_key_path;
  std::string known_hosts_path;
  bool created_run_netns = false;  // this cluster's `up` created /run/netns
  std::vector<LocalNode> nodes;
};

std::string local_cluster_state_dir(const std::string& name);
// Cluster names: 1-24 chars of [A-Za-z0-9_] (they become parts of namespace names).
void validate_cluster_name(const std::string& name);
// Throws ClusterError saying what needs root when not running as root.
void require_root(const std::string& what);

// Reads <state>/cluster.json; throws ClusterError "cluster NAME is not up" when missing.
LocalClusterInfo read_local_cluster(const std::string& name);
// The Cluster (nodes + SSH from the control namespace) of a local cluster that is up.
Cluster open_local_cluster(const std::string& name);

struct LocalClusterOptions {
  std::string name = "default";
  int nodes = 5;                    // 1..64
  int64_t ready_timeout_ms = 15'000;  // until every node answers over SSH
};
struct UpResult {
  LocalClusterInfo info;
  bool already_up = false;          // true: the healthy existing cluster was left alone
  std::vector<std::string> notes;   // what was done, for the user
};
// Creates the cluster, or does nothing if it is already up and healthy with that many nodes
// (a broken leftover of the same name is torn down and rebuilt). On failure, everything made
// so far is removed before the error propagates.
UpResult local_cluster_up(const LocalClusterOptions& opts);

struct DownResult {
  bool existed = false;
  std::vector<std::string> notes;
};
// Kills the node inits (and any process left in the cluster's namespaces), deletes the
// namespaces, the state and data dirs, and /run/netns if this cluster created it and it is now
// empty. Works on a half-built cluster too. Idempotent.
DownResult local_cluster_down(const std::string& name);

// Per-node liveness of a local cluster: namespace present, init running, SSH answering.
struct LocalNodeStatus {
  LocalNode node;
  bool netns_present = false;
  bool init_running = false;
  NodeHealth ssh;
};
std::vector<LocalNodeStatus> local_cluster_status(Cluster& cluster, int64_t ssh_timeout_ms);

// Names of the local clusters that have a state dir.
std::vector<std::string> list_local_clusters();

}  // namespace faultline::control
