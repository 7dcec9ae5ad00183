// `faultline cluster up|down|status|exec|heal|list`: the local cluster (network namespaces +
// sshd per node) and, for status/exec/heal, real hosts given by --nodes / --nodes-file.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "command.h"
#include "faultline/control/cluster.h"
#include "faultline/control/fault_hooks.h"
#include "faultline/control/local_cluster.h"
#include "faultline/core/error.h"

namespace faultline::cli {
namespace {

using namespace faultline::control;

// Which cluster a subcommand acts on: a local cluster by --name, or real hosts.
struct Target {
  std::string name = "default";
  HostsOptions hosts;
  std::string strict = "yes";
};

void add_target_options(CLI::App* sub, Target& t) {
  sub->add_option("--name", t.name, "Local cluster name (default: default)");
  auto* nodes = sub->add_option("--nodes", t.hosts.nodes, "Real hosts instead of a local cluster: host[:port],...");
  auto* file = sub->add_option("--nodes-file", t.hosts.nodes_file,
                               "Real hosts, one '[name] host[:port]' a line ('#' comments)");
  nodes->excludes(file);
  sub->add_option("--ssh-user", t.hosts.ssh_user, "SSH login user for real hosts (default: root; sudo is used when not root)");
  sub->add_option("--ssh-key", t.hosts.ssh_key, "Private key file for real hosts (default: ssh-agent)");
  sub->add_option("--ssh-port", t.hosts.ssh_port, "Default SSH port for real hosts (default: 22)")->check(CLI::Range(1, 65535));
  sub->add_option("--known-hosts", t.hosts.known_hosts, "known_hosts file for real hosts (default: ~/.ssh/known_hosts)");
  sub->add_option("--strict-host-key-checking", t.strict, "yes (default) or no: accept unknown or changed host keys")
      ->check(CLI::IsMember({"yes", "no", "true", "false"}));
}

bool uses_hosts(const Target& t) { return !t.hosts.nodes.empty() || !t.hosts.nodes_file.empty(); }

Cluster open_target(Target& t) {
  if (uses_hosts(t)) {
    t.hosts.strict_host_key_checking = t.strict == "yes" || t.strict == "true";
    return open_hosts_cluster(t.hosts);
  }
  require_root("reaching local cluster " + t.name + " (from its control network namespace)");
  return open_local_cluster(t.name);
}

int fail(const std::string& msg, int code = kExitCrash) {
  std::fprintf(stderr, "faultline cluster: %s\n", msg.c_str());
  return code;
}

int signal_number(const std::string& name) {
  for (int s = 1; s < NSIG; ++s) {
    const char* abbrev = ::sigabbrev_np(s);
    if (abbrev != nullptr && name == abbrev) return s;
  }
  return 0;
}

int run_up(const std::string& name, int nodes) {
  UpResult r = local_cluster_up({.name = name, .nodes = nodes, .ready_timeout_ms = 15'000});
  for (const auto& note : r.notes) std::printf("%s\n", note.c_str());
  for (const auto& n : r.info.nodes) std::printf("  %-4s %-15s netns %s\n", n.name.c_str(), n.address.c_str(), n.netns.c_str());
  std::printf("state: %s\n", r.info.state_dir.c_str());
  std::printf("try: faultline cluster exec --name %s n1 -- hostname\n", name.c_str());
  return 0;
}

int run_down(const std::string& name) {
  DownResult r = local_cluster_down(name);
  if (!r.existed) std::printf("cluster %s was not up; nothing to remove\n", name.c_str());
  for (const auto& note : r.notes) std::printf("%s\n", note.c_str());
  return 0;
}

void print_faults(Cluster& c) {
  const auto& hooks = fault_hooks();
  if (hooks.active_faults != nullptr) {
    auto faults = hooks.active_faults(c);
    std::printf("active faults: %s\n", faults.empty() ? "none" : "");
    for (const auto& f : faults) std::printf("  %s\n", f.c_str());
  } else {
    std::printf("active faults: %s (journal %s)\n",
                fault_journal_has_entries(c) ? "journaled, nemesis not linked to describe them" : "none",
                c.fault_journal_path().c_str());
  }
}

int run_status(Target& t, int64_t timeout_ms) {
  Cluster c = open_target(t);
  bool all_ok = true;
  if (const LocalClusterInfo* info = c.local()) {
    std::printf("cluster %s (local): %zu nodes on %s.0/24; control namespace %s (%s), no route out\n",
                info->name.c_str(), info->nodes.size(), info->subnet.c_str(), info->control_netns.c_str(),
                info->control_address.c_str());
    std::printf("%-5s %-15s %-18s %-9s %s\n", "NODE", "ADDRESS", "NAMESPACE", "INIT", "SSHD");
    for (const auto& s : local_cluster_status(c, timeout_ms)) {
      const bool ok = s.netns_present && s.init_running && s.ssh.reachable;
      all_ok = all_ok && ok;
      std::string init = s.init_running ? std::to_string(s.node.init_pid) : "dead";
      std::string ssh = s.ssh.reachable ? "ok (" + s.ssh.hostname + ", " + std::to_string(static_cast<int>(s.ssh.latency_ms)) + " ms)"
                                        : "DOWN: " + s.ssh.error;
      std::printf("%-5s %-15s %-18s %-9s %s\n", s.node.name.c_str(), s.node.address.c_str(),
                  (s.node.netns + (s.netns_present ? "" : " (gone)")).c_str(), init.c_str(), ssh.c_str());
    }
  } else {
    std::printf("real hosts (state %s)\n", c.state_dir().c_str());
    std::printf("%-20s %-24s %s\n", "NODE", "ADDRESS", "SSHD");
    for (const auto& h : probe_nodes(c, timeout_ms)) {
      all_ok = all_ok && h.reachable;
      const auto& n = c.node(h.node);
      std::string ssh = h.reachable ? "ok (" + h.hostname + ", " + std::to_string(static_cast<int>(h.latency_ms)) + " ms)"
                                    : "DOWN: " + h.error;
      std::printf("%-20s %-24s %s\n", n.name.c_str(), (n.host + ":" + std::to_string(n.port)).c_str(), ssh.c_str());
    }
  }
  print_faults(c);
  return all_ok ? 0 : 1;
}

int run_exec(Target& t, const std::string& node, const std::vector<std::string>& argv, int64_t timeout_ms, bool sudo) {
  if (argv.empty()) return fail("exec needs a command: faultline cluster exec NODE -- CMD...", kExitBadArgs);
  Cluster c = open_target(t);
  c.node(node);  // unknown node -> ClusterError listing the known ones
  // One argument is a shell command line (like ssh); several are an argv, quoted word by word.
  const std::string cmd = argv.size() == 1 ? argv[0] : shell_join(argv);
  ExecOptions eo;
  eo.timeout_ms = timeout_ms;
  eo.sudo = sudo;
  ExecResult r = c.remote(node).exec(cmd, eo);
  std::fwrite(r.out.data(), 1, r.out.size(), stdout);
  std::fwrite(r.err.data(), 1, r.err.size(), stderr);
  std::fflush(stdout);
  if (!r.exit_signal.empty()) {
    const int sig = signal_number(r.exit_signal);
    return sig > 0 ? 128 + sig : kExitCrash;
  }
  return r.exit_status;
}

int run_heal(Target& t) {
  Cluster c = open_target(t);
  const auto& hooks = fault_hooks();
  if (hooks.heal_all != nullptr) {
    HealReport report = hooks.heal_all(c);
    for (const auto& line : report.lines) std::printf("%s\n", line.c_str());
    if (!report.complete) return fail("heal incomplete; the journal " + c.fault_journal_path() + " keeps what is left", 1);
    std::printf("healed: no faults left on %zu node(s)\n", c.nodes().size());
    return 0;
  }
  if (fault_journal_has_entries(c)) {
    return fail("faults are journaled in " + c.fault_journal_path() +
                " but this faultline was built without the nemesis, so it cannot undo them");
  }
  std::printf("nothing to heal: no faults journaled in %s\n", c.fault_journal_path().c_str());
  return 0;
}

CommandRun setup_cluster(CLI::App& app) {
  struct Opts {
    std::string up_name = "default";
    int up_nodes = 5;
    std::string down_name = "default";
    Target status, exec, heal;
    int64_t status_timeout_ms = 3'000;
    int64_t exec_timeout_ms = 60'000;
    bool exec_sudo = false;
    std::string exec_node;
    std::vector<std::string> exec_cmd;
  };
  auto o = std::make_shared<Opts>();
  app.require_subcommand(1);

  auto* up = app.add_subcommand("up", "Create a local cluster of N nodes (network namespaces + sshd); needs root; idempotent");
  up->add_option("--name", o->up_name, "Cluster name: 1-24 letters, digits, '_' (default: default)");
  up->add_option("--nodes", o->up_nodes, "Number of nodes (default: 5)")->check(CLI::Range(1, 64));

  auto* down = app.add_subcommand("down", "Remove a local cluster: processes, namespaces, state; needs root");
  down->add_option("--name", o->down_name, "Cluster name (default: default)");

  auto* status = app.add_subcommand("status", "Nodes, addresses, sshd health and active faults");
  add_target_options(status, o->status);
  status->add_option("--timeout-ms", o->status_timeout_ms, "Per-node SSH probe timeout (default: 3000)");

  auto* exec = app.add_subcommand("exec", "Run a command on a node over SSH: exec NODE -- CMD... (exit status passes through)");
  add_target_options(exec, o->exec);
  exec->add_option("node", o->exec_node, "Node name (n1, ...)")->required();
  exec->add_option("command", o->exec_cmd, "Command: one shell command line, or an argv quoted word by word")->required();
  exec->add_option("--timeout-ms", o->exec_timeout_ms, "Kill the command after this long (default: 60000)");
  exec->add_flag("--sudo", o->exec_sudo, "Run through sudo -n when the SSH user is not root");

  auto* heal = app.add_subcommand("heal", "Undo every fault the nemesis journaled for this cluster");
  add_target_options(heal, o->heal);

  auto* list = app.add_subcommand("list", "Names of the local clusters that are up");

  return [o, up, down, status, exec, heal, list]() -> int {
    try {
      if (up->parsed()) return run_up(o->up_name, o->up_nodes);
      if (down->parsed()) return run_down(o->down_name);
      if (status->parsed()) return run_status(o->status, o->status_timeout_ms);
      if (exec->parsed()) return run_exec(o->exec, o->exec_node, o->exec_cmd, o->exec_timeout_ms, o->exec_sudo);
      if (heal->parsed()) return run_heal(o->heal);
      if (list->parsed()) {
        for (const auto& n : list_local_clusters()) std::printf("%s\n", n.c_str());
        return 0;
      }
    } catch (const ClusterError& e) {
      return fail(e.what());
    } catch (const RemoteError& e) {
      return fail(e.what());
    } catch (const faultline::ParseError& e) {
      return fail(e.what(), kExitBadArgs);
    } catch (const std::invalid_argument& e) {
      return fail(e.what(), kExitBadArgs);
    }
    return kExitBadArgs;
  };
}

CommandRegistrar reg("cluster", "Local test clusters and real hosts: up, down, status, exec, heal, list", &setup_cluster);

}  // namespace
}  // namespace faultline::cli
