// Cluster: nodes + one cached Remote per node; node probing; the state-dir roots.
#include "faultline/control/cluster.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "faultline/control/local_cluster.h"

namespace faultline::control {

namespace fs = std::filesystem;

namespace {

std::unique_ptr<Remote> default_factory(const Cluster& c, const std::string& node) {
  return make_ssh_remote(c.ssh_options(node));
}

std::string home_dir() {
  const char* home = std::getenv("HOME");
  return home && *home ? home : "/root";
}

}  // namespace

Cluster::Cluster(std::string name, std::string state_dir, std::vector<NodeAddress> nodes, SshSettings ssh)
    : name_(std::move(name)), state_dir_(std::move(state_dir)), nodes_(std::move(nodes)), ssh_(std::move(ssh)) {
  if (nodes_.empty()) throw ClusterError("cluster " + name_ + " has no nodes");
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (nodes_[i].name == nodes_[j].name) throw ClusterError("node name " + nodes_[i].name + " appears twice");
    }
  }
  if (ssh_.known_hosts_path.empty()) ssh_.known_hosts_path = home_dir() + "/.ssh/known_hosts";
  std::error_code ec;
  fs::create_directories(fs::path(fault_journal_path()).parent_path(), ec);
  if (ec) {
    throw ClusterError("cannot create the fault journal directory under " + state_dir_ + ": " + ec.message());
  }
}

Cluster::~Cluster() = default;
Cluster::Cluster(Cluster&&) noexcept = default;
Cluster& Cluster::operator=(Cluster&&) noexcept = default;

std::vector<std::string> Cluster::node_names() const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) out.push_back(n.name);
  return out;
}

const NodeAddress& Cluster::node(const std::string& name) const {
  for (const auto& n : nodes_) {
    if (n.name == name) return n;
  }
  std::string known;
  for (const auto& n : nodes_) known += (known.empty() ? "" : ", ") + n.name;
  throw ClusterError("no node named '" + name + "' in cluster " + name_ + " (nodes: " + known + ")");
}

SshRemoteOptions Cluster::ssh_options(const std::string& node_name) const {
  const NodeAddress& n = node(node_name);
  SshRemoteOptions o;
  o.node = n.name;
  o.host = n.host;
  o.port = n.port;
  o.user = ssh_.user;
  o.private_key_path = ssh_.private_key_path;
  o.known_hosts_path = ssh_.known_hosts_path;
  o.strict_host_key_checking = ssh_.strict_host_key_checking;
  o.netns = ssh_.netns;
  o.connect_timeout_ms = ssh_.connect_timeout_ms;
  o.max_connect_attempts = ssh_.max_connect_attempts;
  return o;
}

Remote& Cluster::remote(const std::string& node_name) {
  auto it = remotes_.find(node_name);
  if (it == remotes_.end()) it = remotes_.emplace(node_name, new_remote(node_name)).first;
  return *it->second;
}

std::unique_ptr<Remote> Cluster::new_remote(const std::string& node_name) const {
  node(node_name);  // validates the name
  return (factory_ ? factory_ : &default_factory)(*this, node_name);
}

void Cluster::set_remote_factory(RemoteFactory factory) {
  factory_ = factory;
  remotes_.clear();
}

std::string Cluster::fault_journal_path() const { return state_dir_ + "/faults/journal.jsonl"; }

void Cluster::set_local(const LocalClusterInfo& info) { local_ = std::make_unique<LocalClusterInfo>(info); }

std::vector<NodeHealth> probe_nodes(Cluster& cluster, int64_t timeout_ms) {
  std::vector<NodeHealth> out;
  for (const auto& n : cluster.nodes()) {
    NodeHealth h;
    h.node = n.name;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      ExecOptions eo;
      eo.timeout_ms = timeout_ms;
      ExecResult r = cluster.remote(n.name).exec("hostname", eo);
      h.reachable = r.ok();
      h.hostname = r.out.substr(0, r.out.find('\n'));
      if (!r.ok()) h.error = "hostname exited " + std::to_string(r.exit_status) + ": " + r.err;
    } catch (const RemoteError& e) {
      h.error = e.what();
      cluster.remote(n.name).disconnect();
    }
    h.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    out.push_back(std::move(h));
  }
  return out;
}

std::string faultline_run_dir() {
  const char* env = std::getenv("FAULTLINE_RUN_DIR");
  return env && *env ? env : "/run/faultline";
}

std::string faultline_data_dir() {
  const char* env = std::getenv("FAULTLINE_DATA_DIR");
  if (env && *env) return env;
  if (::geteuid() == 0) return "/var/lib/faultline";
  return home_dir() + "/.local/state/faultline";
}

}  // namespace faultline::control
