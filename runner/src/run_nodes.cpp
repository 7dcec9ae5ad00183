#include "run_nodes.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

#include <faultline/control/local_cluster.h>
#include <faultline/control/local_remote.h>

namespace faultline::runner::detail {
namespace fs = std::filesystem;

namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

class OwnProcessesRemote final : public control::Remote {
 public:
  explicit OwnProcessesRemote(std::unique_ptr<control::Remote> inner) : inner_(std::move(inner)) {}
  const std::string& node() const override { return inner_->node(); }
  control::ExecResult exec(const std::string& cmd, const control::ExecOptions& opts) override {
    control::ExecOptions o = opts;
    o.sudo = false;
    return inner_->exec(cmd, o);
  }
  void upload(const std::string& l, const std::string& r, int mode) override { inner_->upload(l, r, mode); }
  void download(const std::string& r, const std::string& l) override { inner_->download(r, l); }
  int64_t spawn(const std::string& cmd, const control::SpawnOptions& so) override {
    return inner_->spawn(cmd, so);
  }

 private:
  std::unique_ptr<control::Remote> inner_;
};


}  // namespace

void open_nodes(const TestSpec& spec, Nodes& n, RunLog& log) {
  const NodesSpec& ns = spec.nodes;
  if (spec.system == "none") {
    n.describe = "no nodes (system none)";
    return;
  }
  switch (ns.mode) {
    case NodesMode::LocalProcesses: {
      char tmpl[] = "/tmp/faultline-local-XXXXXX";
      if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
      n.work_dir = tmpl;
      for (int i = 1; i <= ns.count; ++i) {
        const std::string name = "n" + std::to_string(i);
        const std::string dir = n.work_dir + "/" + name;
        fs::create_directories(dir);
        control::LocalRemoteOptions o;
        o.node = name;
        o.prefix_argv = {"env", "-C", dir};  // every command runs in the node's directory
        n.local_remotes.push_back(std::make_unique<OwnProcessesRemote>(control::make_local_remote(o)));
        SystemNode sn;
        sn.name = name;
        sn.host = "127.0.0.1";
        sn.port = ns.base_port > 0 ? ns.base_port + i - 1 : free_port();
        sn.remote = n.local_remotes.back().get();
        sn.dir = dir;
        n.nodes.push_back(sn);
      }
      fs::create_directories(n.work_dir + "/faults");
      n.journal_path = n.work_dir + "/faults/journal.jsonl";
      n.describe = std::to_string(ns.count) + " local processes under " + n.work_dir;
      break;
    }
    case NodesMode::LocalCluster: {
      control::require_root("a local cluster (--nodes N); without root use --local-processes");
      const std::string name =
          ns.cluster.empty() ? "t" + std::to_string(::getpid()) : ns.cluster;
      control::LocalClusterOptions o;
      o.name = name;
      o.nodes = ns.count;
      auto up = control::local_cluster_up(o);
      if (!up.already_up) n.created_cluster = name;
      log.line("local cluster " + name + (up.already_up ? " (already up)" : " brought up"));
      n.cluster.emplace(control::open_local_cluster(name));
      n.describe = "local cluster " + name + " (" + std::to_string(ns.count) + " nodes)";
      break;
    }
    case NodesMode::Cluster:
      control::require_root("reaching local cluster " + ns.cluster);
      n.cluster.emplace(control::open_local_cluster(ns.cluster));
      n.describe = "local cluster " + ns.cluster;
      break;
    case NodesMode::Hosts: {
      control::HostsOptions h;
      h.nodes = ns.nodes;
      h.nodes_file = ns.nodes_file;
      h.ssh_user = ns.ssh_user;
      h.ssh_key = ns.ssh_key;
      h.ssh_port = ns.ssh_port;
      h.strict_host_key_checking = ns.strict_host_key_checking;
      n.cluster.emplace(control::open_hosts_cluster(h));
      n.describe = "hosts " + (ns.nodes_file.empty() ? ns.nodes : ns.nodes_file);
      break;
    }
  }
  if (n.cluster) {
    if (const auto* li = n.cluster->local()) n.control_netns = li->control_netns;
    n.journal_path = n.cluster->fault_journal_path();
    for (const auto& a : n.cluster->nodes()) {
      SystemNode sn;
      sn.name = a.name;
      sn.host = a.host;
      sn.remote = &n.cluster->remote(a.name);
      n.nodes.push_back(sn);
    }
  }
}

std::vector<std::string> for_each_node(const std::vector<std::string>& nodes, bool serial,
                                       const std::function<void(const std::string&)>& fn) {
  std::vector<std::string> errs(nodes.size());
  std::vector<std::thread> ts;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (serial) {
      try {
        fn(nodes[i]);
      } catch (const std::exception& e) {
        errs[i] = nodes[i] + ": " + e.what();
      }
      continue;
    }
    ts.emplace_back([&, i] {
      try {
        fn(nodes[i]);
      } catch (const std::exception& e) {
        errs[i] = nodes[i] + ": " + e.what();
      }
    });
  }
  for (auto& t : ts) t.join();
  std::vector<std::string> out;
  for (auto& e : errs)
    if (!e.empty()) out.push_back(e);
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace faultline::runner::detail
