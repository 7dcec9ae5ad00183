// Local cluster bookkeeping: names, cluster.json, the lock, host commands, opening a cluster.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "faultline/control/local_remote.h"
#include "local_cluster_state.h"

namespace faultline::control {

namespace fs = std::filesystem;
using nlohmann::json;

void to_json(json& j, const LocalNode& n) {
  j = json{{"name", n.name},
           {"netns", n.netns},
           {"address", n.address},
           {"unshare_pid", n.unshare_pid},
           {"unshare_start_ticks", n.unshare_start_ticks},
           {"init_pid", n.init_pid},
           {"init_start_ticks", n.init_start_ticks},
           {"dir", n.dir},
           {"fs_dir", n.fs_dir}};
}

void from_json(const json& j, LocalNode& n) {
  j.at("name").get_to(n.name);
  j.at("netns").get_to(n.netns);
  j.at("address").get_to(n.address);
  j.at("unshare_pid").get_to(n.unshare_pid);
  j.at("unshare_start_ticks").get_to(n.unshare_start_ticks);
  j.at("init_pid").get_to(n.init_pid);
  j.at("init_start_ticks").get_to(n.init_start_ticks);
  j.at("dir").get_to(n.dir);
  j.at("fs_dir").get_to(n.fs_dir);
}

void to_json(json& j, const LocalClusterInfo& c) {
  j = json{{"name", c.name},
           {"state_dir", c.state_dir},
           {"data_dir", c.data_dir},
           {"subnet", c.subnet},
           {"prefix_len", 24},
           {"switch_netns", c.switch_netns},
           {"bridge", c.bridge},
           {"control_netns", c.control_netns},
           {"control_address", c.control_address},
           {"client_key_path", c.client_key_path},
           {"known_hosts_path", c.known_hosts_path},
           {"created_run_netns", c.created_run_netns},
           {"ssh_user", "root"},
           {"ssh_port", 22},
           {"nodes", c.nodes}};
}

void from_json(const json& j, LocalClusterInfo& c) {
  j.at("name").get_to(c.name);
  j.at("state_dir").get_to(c.state_dir);
  j.at("data_dir").get_to(c.data_dir);
  j.at("subnet").get_to(c.subnet);
  j.at("switch_netns").get_to(c.switch_netns);
  j.at("bridge").get_to(c.bridge);
  j.at("control_netns").get_to(c.control_netns);
  j.at("control_address").get_to(c.control_address);
  j.at("client_key_path").get_to(c.client_key_path);
  j.at("known_hosts_path").get_to(c.known_hosts_path);
  j.at("created_run_netns").get_to(c.created_run_netns);
  j.at("nodes").get_to(c.nodes);
}

std::string local_cluster_state_dir(const std::string& name) {
  return faultline_run_dir() + "/clusters/" + name;
}

void validate_cluster_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 24;
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!ok) {
    throw ClusterError("bad cluster name '" + name + "': use 1-24 letters, digits or '_' (it becomes part of namespace names)");
  }
}

void require_root(const std::string& what) {
  if (::geteuid() != 0) {
    throw ClusterError(what + " needs root; run it with sudo");
  }
}

LocalClusterInfo read_local_cluster(const std::string& name) {
  validate_cluster_name(name);
  const std::string path = detail::cluster_json_path(name);
  std::ifstream in(path);
  if (!in) throw ClusterError("cluster " + name + " is not up (no " + path + "); run `faultline cluster up --name " + name + "`");
  try {
    return json::parse(in).get<LocalClusterInfo>();
  } catch (const json::exception& e) {
    throw ClusterError("cannot read " + path + ": " + e.what());
  }
}

Cluster open_local_cluster(const std::string& name) {
  LocalClusterInfo info = read_local_cluster(name);
  std::vector<NodeAddress> nodes;
  for (const auto& n : info.nodes) nodes.push_back({n.name, n.address, 22});
  SshSettings ssh;
  ssh.user = "root";
  ssh.private_key_path = info.client_key_path;
  ssh.known_hosts_path = info.known_hosts_path;
  ssh.strict_host_key_checking = true;
  ssh.netns = info.control_netns;
  Cluster c(info.name, info.state_dir, std::move(nodes), ssh);
  c.set_local(info);
  return c;
}

std::vector<std::string> list_local_clusters() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(faultline_run_dir() + "/clusters", ec)) {
    if (e.is_directory() && fs::exists(e.path() / "cluster.json")) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace detail {

std::string run_host(const std::vector<std::string>& argv) {
  static auto local = make_local_remote(LocalRemoteOptions{.node = "localhost", .prefix_argv = {}});
  ExecOptions eo;
  eo.timeout_ms = 30'000;
  ExecResult r = local->exec(shell_join(argv), eo);
  if (!r.ok()) {
    throw ClusterError("`" + shell_join(argv) + "` failed (exit " + std::to_string(r.exit_status) + "): " + r.err);
  }
  return r.out;
}

bool try_run_host(const std::vector<std::string>& argv, std::string* err) {
  try {
    run_host(argv);
    return true;
  } catch (const std::exception& e) {
    if (err) *err = e.what();
    return false;
  }
}

std::string cluster_json_path(const std::string& name) { return local_cluster_state_dir(name) + "/cluster.json"; }

std::string cluster_data_dir(const std::string& name) { return faultline_data_dir() + "/clusters/" + name; }

std::string netns_prefix(const std::string& name) { return "fl-" + name + "-"; }

void write_cluster_json(const LocalClusterInfo& info) {
  const std::string path = cluster_json_path(info.name);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json(info).dump(2) << "\n";
    if (!out) throw ClusterError("cannot write " + tmp);
  }
  fs::rename(tmp, path);  // atomic: readers see the old or the new file, never half of one
}

ClusterLock::ClusterLock(const std::string& name) {
  const std::string dir = faultline_run_dir() + "/clusters";
  std::error_code ec;
  fs::create_directories(dir, ec);
  path_ = dir + "/." + name + ".lock";
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw ClusterError("cannot open lock file " + path_);
  if (::flock(fd_, LOCK_EX) != 0) throw ClusterError("cannot lock " + path_);
}

ClusterLock::~ClusterLock() {
  if (fd_ >= 0) ::close(fd_);
}

void ClusterLock::remove_file() { ::unlink(path_.c_str()); }

}  // namespace detail
}  // namespace faultline::control
