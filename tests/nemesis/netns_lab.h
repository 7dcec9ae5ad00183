// NetnsLab: a throwaway cluster of plain network namespaces for nemesis integration tests
// (until the control helper's `faultline cluster` is available here), plus NetnsRemote, a Remote
// that runs commands on a "node" with `ip netns exec NS /bin/sh -c CMD`.
//
// Topology (as a local cluster's, control/local_cluster.h): a switch namespace with br0, N node
// namespaces each with eth0 at 10.77.0.(10+i)/24; nothing is created in the root namespace and
// nothing routes out.
// Names carry "flnem-<pid>-" so a later run can remove what a killed run left behind.
// The destructor kills every process registered with track_pid() and deletes every namespace,
// also when the test failed. Needs root.
//
// Probes run in-process: sockets are created inside a node's namespace by a helper thread that
// setns()'es into it, so no traffic ever leaves the lab's namespaces.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "faultline/control/remote.h"
#include "faultline/nemesis/fault.h"
#include "faultline/nemesis/grudge.h"

namespace faultline::nemesis::testing {

// Runs `argv` locally with a timeout (process group killed on timeout); captures output.
control::ExecResult run_local(const std::vector<std::string>& argv, int64_t timeout_ms,
                              const std::string& stdin_data = "");

class NetnsRemote final : public control::Remote {
 public:
  NetnsRemote(std::string node, std::string netns) : node_(std::move(node)), ns_(std::move(netns)) {}
  const std::string& node() const override { return node_; }
  control::ExecResult exec(const std::string& cmd, const control::ExecOptions& opts) override;
  void upload(const std::string& local_path, const std::string& remote_path, int mode) override;
  void download(const std::string& remote_path, const std::string& local_path) override;
  int64_t spawn(const std::string& cmd, const control::SpawnOptions& opts) override;
  const std::string& netns() const { return ns_; }

 private:
  std::string node_;
  std::string ns_;
};

struct LabNode {
  std::string name;
  std::string netns;
  std::string address;
};

class NetnsLab {
 public:
  explicit NetnsLab(int nodes);
  // Attaches to namespaces someone else made (e.g. a `faultline cluster`): probes and remotes
  // work the same; the destructor kills tracked pids but leaves the namespaces alone.
  explicit NetnsLab(const std::vector<LabNode>& existing);
  ~NetnsLab();
  NetnsLab(const NetnsLab&) = delete;
  NetnsLab& operator=(const NetnsLab&) = delete;

  std::vector<NodeHandle> handles();
  std::vector<std::string> names() const;
  const std::string& netns(const std::string& node) const { return ns_.at(node); }
  const std::string& address(const std::string& node) const { return addr_.at(node); }
  NetnsRemote& remote(const std::string& node) { return *remotes_.at(node); }
  const std::string& dir() const { return dir_; }  // scratch dir, removed at the end
  void track_pid(int64_t pid) { pids_.insert(pid); }

  // Runs a shell command in a node's namespace; REQUIREs nothing, returns the result.
  control::ExecResult sh(const std::string& node, const std::string& cmd, int64_t timeout_ms = 10'000);

  // TCP connect a -> b for every ordered pair at once (listeners on port 7000 in every node);
  // true when the handshake completed within timeout_ms.
  std::map<std::pair<std::string, std::string>, bool> tcp_matrix(int64_t timeout_ms);
  // One UDP datagram a -> b for every ordered pair; true when b received it within wait_ms.
  std::map<std::pair<std::string, std::string>, bool> udp_matrix(int64_t wait_ms);
  // Sends `count` datagrams a -> b (paced) and returns how many arrived.
  int udp_burst(const std::string& a, const std::string& b, int count);
  // Time to push `bytes` over one TCP connection a -> b until b has read them all, in ms
  // (-1 on error; bounded by timeout_ms).
  double tcp_transfer_ms(const std::string& a, const std::string& b, size_t bytes, int64_t timeout_ms);
  // Median TCP handshake time a -> b over `samples` connects, in ms (-1 if any failed).
  double tcp_connect_ms(const std::string& a, const std::string& b, int samples);

 private:
  void cleanup() noexcept;
  std::string prefix_;
  std::string sw_;
  std::string dir_;
  std::vector<std::string> order_;
  std::map<std::string, std::string> ns_;
  std::map<std::string, std::string> addr_;
  std::map<std::string, std::unique_ptr<NetnsRemote>> remotes_;
  std::set<int64_t> pids_;
  bool made_run_netns_ = false;
  bool owns_namespaces_ = true;
};

// Opens a socket inside namespace `netns` (by name under /run/netns).
int socket_in(const std::string& netns, int domain, int type);

}  // namespace faultline::nemesis::testing
