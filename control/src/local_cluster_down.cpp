// `cluster down` (and cleanup of a half-built cluster), and `cluster status` for local clusters.
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "faultline/control/netns.h"
#include "host_process.h"
#include "local_cluster_state.h"

namespace faultline::control {

namespace fs = std::filesystem;

namespace detail {
namespace {

// Namespaces named fl-<name>-{sw,ctl,n<digits>}: exactly this cluster's (names have no '-').
std::vector<std::string> cluster_namespaces(const std::string& name) {
  const std::string prefix = netns_prefix(name);
  std::vector<std::string> nodes, others;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/run/netns", ec)) {
    const std::string ns = e.path().filename().string();
    if (ns.rfind(prefix, 0) != 0) continue;
    const std::string rest = ns.substr(prefix.size());
    if (rest == "sw" || rest == "ctl") {
      others.push_back(ns);
    } else if (rest.size() > 1 && rest[0] == 'n' &&
               rest.find_first_not_of("0123456789", 1) == std::string::npos) {
      nodes.push_back(ns);
    }
  }
  // Nodes first, the switch last (deleting it takes the bridge and the switch-side veths along).
  std::sort(others.begin(), others.end());  // "ctl" < "sw"
  nodes.insert(nodes.end(), others.begin(), others.end());
  return nodes;
}

// Processes still living in a namespace (started there by `ip netns exec`, outside any node's
// PID namespace). They belong to the cluster being removed.
void kill_netns_processes(const std::string& ns, std::vector<std::string>& notes) {
  std::string out;
  try {
    out = run_host({"ip", "netns", "pids", ns});
  } catch (const ClusterError&) {
    return;
  }
  std::istringstream in(out);
  pid_t pid = 0;
  int killed = 0;
  while (in >> pid) {
    const uint64_t start = process_start_ticks(pid);
    if (pid > 1 && pid != ::getpid() && start != 0) {
      if (!kill_and_wait(pid, start, 2'000)) notes.push_back("pid " + std::to_string(pid) + " in " + ns + " survived SIGKILL");
      ++killed;
    }
  }
  if (killed > 0) notes.push_back("killed " + std::to_string(killed) + " process(es) left in " + ns);
}

void remove_run_netns_if_ours(std::vector<std::string>& notes) {
  ClusterLock netns_dir_lock(kNetnsDirLockName);
  const std::string marker = faultline_run_dir() + "/netns-dir-created";
  if (!fs::exists(marker)) return;
  std::error_code ec;
  if (!fs::is_empty("/run/netns", ec) && !ec) return;  // other namespaces still use it
  if (fs::exists("/run/netns")) {
    // Not MNT_DETACH: if a namespace appeared meanwhile, its bind mount makes this fail (EBUSY)
    // and /run/netns stays, as it must.
    if (::umount2("/run/netns", 0) != 0 && errno != EINVAL) {
      notes.push_back(std::string("left /run/netns mounted: ") + std::strerror(errno));
      return;
    }
    if (::rmdir("/run/netns") != 0) {
      notes.push_back(std::string("left /run/netns: ") + std::strerror(errno));
      return;
    }
    notes.push_back("removed /run/netns (created by faultline, now empty)");
  }
  fs::remove(marker, ec);
}

}  // namespace

void teardown_local_cluster(const std::string& name, const LocalClusterInfo* info, std::vector<std::string>& notes) {
  if (info != nullptr) {
    int killed = 0;
    for (const auto& n : info->nodes) {
      // The init first: as PID 1 of the node's PID namespace its death takes every node process.
      for (auto [pid, start] : {std::pair{n.init_pid, n.init_start_ticks}, std::pair{n.unshare_pid, n.unshare_start_ticks}}) {
        if (pid <= 0) continue;
        if (process_running(static_cast<pid_t>(pid), start)) ++killed;
        if (!kill_and_wait(static_cast<pid_t>(pid), start, 5'000)) {
          notes.push_back("node " + n.name + ": pid " + std::to_string(pid) + " survived SIGKILL");
        }
      }
    }
    if (killed > 0) notes.push_back("stopped " + std::to_string(info->nodes.size()) + " node(s)");
  }
  const auto namespaces = cluster_namespaces(name);
  for (const auto& ns : namespaces) kill_netns_processes(ns, notes);
  for (const auto& ns : namespaces) {
    std::string err;
    if (!try_run_host({"ip", "netns", "del", ns}, &err)) notes.push_back("cannot delete namespace " + ns + ": " + err);
  }
  if (!namespaces.empty()) notes.push_back("deleted " + std::to_string(namespaces.size()) + " namespace(s)");
  std::error_code ec;
  for (const std::string& dir : {local_cluster_state_dir(name), cluster_data_dir(name)}) {
    if (fs::exists(dir, ec)) {
      fs::remove_all(dir, ec);
      notes.push_back(ec ? "cannot remove " + dir + ": " + ec.message() : "removed " + dir);
    }
  }
  remove_run_netns_if_ours(notes);
}

}  // namespace detail

DownResult local_cluster_down(const std::string& name) {
  require_root("faultline cluster down (it deletes network namespaces and kills node processes)");
  validate_cluster_name(name);
  detail::ClusterLock lock(name);
  DownResult result;
  std::optional<LocalClusterInfo> info;
  if (fs::exists(detail::cluster_json_path(name))) {
    info = read_local_cluster(name);
    result.existed = true;
  }
  std::vector<std::string> notes;
  detail::teardown_local_cluster(name, info ? &*info : nullptr, notes);
  result.existed = result.existed || !notes.empty();
  result.notes = std::move(notes);
  lock.remove_file();
  return result;
}

std::vector<LocalNodeStatus> local_cluster_status(Cluster& cluster, int64_t ssh_timeout_ms) {
  const LocalClusterInfo* info = cluster.local();
  if (info == nullptr) throw ClusterError("cluster " + cluster.name() + " is not a local cluster");
  std::vector<NodeHealth> health = probe_nodes(cluster, ssh_timeout_ms);
  std::vector<LocalNodeStatus> out;
  for (size_t i = 0; i < info->nodes.size(); ++i) {
    LocalNodeStatus s;
    s.node = info->nodes[i];
    s.netns_present = netns_exists(s.node.netns);
    s.init_running = detail::process_running(static_cast<pid_t>(s.node.init_pid), s.node.init_start_ticks);
    s.ssh = health.at(i);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace faultline::control
