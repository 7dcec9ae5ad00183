// `faultline nemesis [--cluster NAME | --nodes LIST | --nodes-file F] start|stop|status|heal`:
// inject faults by hand, for exploring a system. Every fault is journaled in the cluster's state
// dir (control::Cluster::fault_journal_path) before it is applied, so `nemesis heal` and
// `faultline cluster heal` undo it even after this process was killed with SIGKILL.
//   faultline nemesis --cluster c1 start partition --shape isolate --target n1
//   faultline nemesis --cluster c1 start loss --probability 0.2 --target n2,n3
//   faultline nemesis --cluster c1 start clock --bump-ms 5000 --target majority
//   faultline nemesis --cluster c1 start partition --shape halves --hold-ms 10000   (then stops)
//   faultline nemesis --cluster c1 stop partition      (or a fault id: partition-3)
// With --hold-ms, SIGINT/SIGTERM heal everything before exiting. This file also registers the
// nemesis's heal with control (fault_hooks.h) so `faultline cluster heal/status` use it.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "command.h"
#include "faultline/control/cluster.h"
#include "faultline/control/fault_hooks.h"
#include "faultline/control/local_cluster.h"
#include "faultline/nemesis/nemesis.h"
#include "faultline/nemesis/schedule_runner.h"

namespace faultline::cli {
namespace {

using namespace faultline::nemesis;

std::atomic<int> g_signal{0};
extern "C" void on_stop_signal(int sig) { g_signal.store(sig); }

// faultline-delayd beside the executable (install) or in the build tree's nemesis/.
std::string default_delayd_path() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  for (auto p : {exe.parent_path() / "faultline-delayd",
                 exe.parent_path().parent_path() / "nemesis" / "faultline-delayd"})
    if (std::filesystem::exists(p)) return p.string();
  return {};
}

// The one place nemesis meets control's clusters: nodes + remotes + journal of a cluster.
std::vector<NodeHandle> node_handles(control::Cluster& c) {
  std::vector<NodeHandle> out;
  for (const auto& n : c.nodes()) out.push_back({n.name, n.host, &c.remote(n.name)});
  return out;
}

NemesisConfig config_for(const control::Cluster& c, uint64_t seed, const std::string& delayd) {
  NemesisConfig cfg;
  cfg.journal_path = c.fault_journal_path();
  cfg.seed = seed;
  cfg.delayd_local_path = delayd.empty() ? default_delayd_path() : delayd;
  return cfg;
}

control::HealReport heal_hook(control::Cluster& c) {
  control::HealReport out;
  try {
    Nemesis nem(node_handles(c), {}, config_for(c, 0, ""));
    auto rep = nem.heal_all();
    out.complete = rep.ok();
    out.lines.push_back("undid " + std::to_string(rep.steps_undone) + " journaled fault step(s)");
    for (const auto& e : rep.errors) out.lines.push_back("error: " + e);
  } catch (const std::exception& e) {
    out.complete = false;
    out.lines.push_back(std::string("error: ") + e.what());
  }
  return out;
}

std::vector<std::string> active_hook(control::Cluster& c) {
  std::vector<std::string> out;
  try {
    Journal j(c.fault_journal_path());
    for (const auto& f : j.active()) {
      std::string nodes;
      for (const auto& n : f.nodes) nodes += (nodes.empty() ? "" : ",") + n;
      out.push_back(f.fault_id + " on " + (nodes.empty() ? "-" : nodes) + ": " + f.spec.dump());
    }
  } catch (const std::exception& e) {
    out.push_back(std::string("journal unreadable: ") + e.what());
  }
  return out;
}

control::FaultHooksRegistrar fault_hooks_reg({.heal_all = &heal_hook, .active_faults = &active_hook});

struct Options {
  std::string cluster = "default";
  control::HostsOptions hosts;
  std::string strict = "yes";
  uint64_t seed = 0;
  std::string delayd;
  // start
  std::string fault;
  std::string target = "all";
  std::string shape, from, to, grudge, rate, burst, process, pattern, pid_file, restart_cmd;
  double probability = -1;
  int64_t delay_ms = -1, jitter_ms = -1, bump_ms = 0, strobe_ms = 0, period_ms = -1,
          duration_ms = -1, hold_ms = 0;
  bool reset = false;
  // stop
  std::string what;
  // run
  std::string schedule_file;
  std::string faults;
  int64_t interval_ms = 10'000, time_limit_ms = 60'000;
  std::string order = "random";
};

ScheduleSpec schedule_from(const Options& o) {
  if (!o.schedule_file.empty()) {
    std::ifstream in(o.schedule_file);
    if (!in) throw std::invalid_argument("cannot read schedule file " + o.schedule_file);
    Json j;
    try {
      j = Json::parse(in);
    } catch (const Json::parse_error& e) {
      throw std::invalid_argument(o.schedule_file + ": " + e.what());
    }
    return schedule_spec_from_json(j);
  }
  ScheduleSpec s;
  size_t start = 0;
  while (start <= o.faults.size()) {
    size_t comma = o.faults.find(',', start);
    std::string kind = o.faults.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!kind.empty()) {
      make_fault(kind);  // validates
      FaultSpec f;
      f.kind = kind;
      f.target = o.target;
      s.faults.push_back(f);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  s.interval_ms = o.interval_ms;
  s.time_limit_ms = o.time_limit_ms;
  s.order = o.order == "fixed" ? ScheduleSpec::Order::Fixed : ScheduleSpec::Order::Random;
  s.seed = o.seed;
  return s;
}

FaultSpec spec_from(const Options& o) {
  FaultSpec s;
  s.kind = o.fault;
  s.target = o.target;
  Json& p = s.params;
  auto put = [&](const char* k, const std::string& v) {
    if (!v.empty()) p[k] = v;
  };
  put("shape", o.shape);
  put("from", o.from);
  put("to", o.to);
  put("grudge", o.grudge);
  put("rate", o.rate);
  put("burst", o.burst);
  put("process", o.process);
  put("pattern", o.pattern);
  put("pid_file", o.pid_file);
  put("restart_cmd", o.restart_cmd);
  if (o.probability >= 0) p["probability"] = o.probability;
  if (o.delay_ms >= 0) p["delay_ms"] = o.delay_ms;
  if (o.jitter_ms >= 0) p["jitter_ms"] = o.jitter_ms;
  if (o.bump_ms != 0) p["bump_ms"] = o.bump_ms;
  if (o.strobe_ms != 0) p["strobe_ms"] = o.strobe_ms;
  if (o.period_ms >= 0) p["period_ms"] = o.period_ms;
  if (o.duration_ms >= 0) p["duration_ms"] = o.duration_ms;
  if (o.reset) p["reset"] = true;
  return s;
}

control::Cluster open_cluster(Options& o) {
  if (!o.hosts.nodes.empty() || !o.hosts.nodes_file.empty()) {
    o.hosts.strict_host_key_checking = o.strict == "yes" || o.strict == "true";
    return control::open_hosts_cluster(o.hosts);
  }
  control::require_root("reaching local cluster " + o.cluster);
  return control::open_local_cluster(o.cluster);
}

int print_heal(const HealReport& rep) {
  std::printf("undid %lld journaled fault step(s)\n", static_cast<long long>(rep.steps_undone));
  for (const auto& e : rep.errors) std::fprintf(stderr, "heal error: %s\n", e.c_str());
  if (!rep.ok()) {
    std::fprintf(stderr, "faultline nemesis: heal incomplete; the journal keeps what is left, "
                         "run `faultline nemesis heal` again once the nodes are reachable\n");
    return 1;
  }
  std::printf("healed: no faults left\n");
  return 0;
}

// Holds a started fault for hold_ms, healing everything on SIGINT/SIGTERM.
int hold(Nemesis& nem, const std::string& id, int64_t hold_ms) {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(hold_ms);
  while (std::chrono::steady_clock::now() < until && g_signal.load() == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (int sig = g_signal.load()) {
    std::fprintf(stderr, "faultline nemesis: signal %d, healing\n", sig);
    print_heal(nem.heal_all());
    return 128 + sig;
  }
  nem.stop(id);
  std::printf("stopped %s\n", id.c_str());
  return 0;
}

CommandRun setup_nemesis(CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.require_subcommand(1);
  auto* cl = app.add_option("--cluster", o->cluster, "Local cluster name (default: default)");
  auto* nodes = app.add_option("--nodes", o->hosts.nodes, "Real hosts: host[:port],...");
  auto* file = app.add_option("--nodes-file", o->hosts.nodes_file, "Real hosts, one '[name] host[:port]' a line");
  nodes->excludes(file);
  cl->excludes(nodes)->excludes(file);
  app.add_option("--ssh-user", o->hosts.ssh_user, "SSH user for real hosts (default: root)");
  app.add_option("--ssh-key", o->hosts.ssh_key, "Private key for real hosts (default: ssh-agent)");
  app.add_option("--ssh-port", o->hosts.ssh_port, "Default SSH port for real hosts (default: 22)");
  app.add_option("--known-hosts", o->hosts.known_hosts, "known_hosts file for real hosts");
  app.add_option("--strict-host-key-checking", o->strict, "yes (default) or no")
      ->check(CLI::IsMember({"yes", "no", "true", "false"}));
  app.add_option("--seed", o->seed, "Seed for random targets and shapes (default: 0)");
  app.add_option("--delayd", o->delayd, "faultline-delayd binary to upload to nodes (default: beside faultline)");

  auto* start = app.add_subcommand("start", "Start a fault: partition, loss, rate, delay, pause, kill, clock");
  start->add_option("fault", o->fault, "Fault kind")->required()->check(CLI::IsMember(fault_kinds()));
  start->add_option("--target", o->target, "one | minority | majority | all | primaries | n1,n2,... (default: all)");
  start->add_option("--shape", o->shape, "partition: halves, random-halves, isolate, majority-minority, bridge, majorities-ring, one-way, primaries, grudge");
  start->add_option("--from", o->from, "partition one-way: packets from this node...");
  start->add_option("--to", o->to, "...to this node are dropped");
  start->add_option("--grudge", o->grudge, "partition grudge: 'n1:n2,n3;n2:n1' (node: nodes it drops from)");
  start->add_option("--probability", o->probability, "loss: drop probability in (0, 1]");
  start->add_option("--rate", o->rate, "rate: tc rate, e.g. 1mbit");
  start->add_option("--burst", o->burst, "rate: tc burst, e.g. 32kbit");
  start->add_option("--delay-ms", o->delay_ms, "delay: hold each received packet this long");
  start->add_option("--jitter-ms", o->jitter_ms, "delay: ± this much, uniformly");
  start->add_option("--bump-ms", o->bump_ms, "clock: add this many ms (may be negative)");
  start->add_option("--strobe-ms", o->strobe_ms, "clock: flip by this many ms...");
  start->add_option("--period-ms", o->period_ms, "...every period (default 100)");
  start->add_option("--duration-ms", o->duration_ms, "...for this long (default 10000)");
  start->add_flag("--reset", o->reset, "clock: offset back to zero");
  start->add_option("--process", o->process, "pause/kill: exact process name");
  start->add_option("--pattern", o->pattern, "pause/kill: regex over the command line");
  start->add_option("--pid-file", o->pid_file, "pause/kill: pid file on the node");
  start->add_option("--restart-cmd", o->restart_cmd, "kill: shell command that restarts it on stop/heal");
  start->add_option("--hold-ms", o->hold_ms, "Hold the fault this long, then stop it (SIGINT/SIGTERM heal)");
  auto* stop = app.add_subcommand("stop", "Stop active faults: a kind (partition) or an id (partition-3)");
  stop->add_option("fault", o->what, "Kind or id")->required();
  auto* status = app.add_subcommand("status", "Active faults, from the journal");
  auto* heal = app.add_subcommand("heal", "Undo every fault (also after a crashed run); idempotent");
  auto* run = app.add_subcommand("run", "Play a seeded fault schedule, printing nemesis history ops (JSON lines); heals at the end and on SIGINT/SIGTERM");
  auto* sf = run->add_option("--schedule", o->schedule_file, "Schedule JSON: {faults:[{kind,params,target}], interval_ms, order, time_limit_ms, seed}");
  auto* fl = run->add_option("--faults", o->faults, "Shorthand: comma list of fault kinds with default parameters");
  sf->excludes(fl);
  run->add_option("--target", o->target, "Target of --faults faults (default: all)");
  run->add_option("--interval-ms", o->interval_ms, "Quiet gap and fault duration (default: 10000)");
  run->add_option("--time-limit-ms", o->time_limit_ms, "Schedule length (default: 60000)");
  run->add_option("--order", o->order, "random (default) or fixed")->check(CLI::IsMember({"random", "fixed"}));
  run->add_option("--process", o->process, "pause/kill: exact process name");
  run->add_option("--pattern", o->pattern, "pause/kill: regex over the command line");
  run->add_option("--pid-file", o->pid_file, "pause/kill: pid file on the node");
  run->add_option("--restart-cmd", o->restart_cmd, "kill: shell command that restarts it");

  return [o, start, stop, status, heal, run]() -> int {
    try {
      control::Cluster c = open_cluster(*o);
      if (status->parsed()) {
        auto lines = active_hook(c);
        if (lines.empty()) std::printf("no active faults (journal %s)\n", c.fault_journal_path().c_str());
        for (const auto& l : lines) std::printf("%s\n", l.c_str());
        return 0;
      }
      SystemHooks hooks;
      if (run->parsed()) {
        hooks.processes.name = o->process;
        hooks.processes.pattern = o->pattern;
        hooks.processes.pid_file = o->pid_file;
        hooks.restart_cmd = o->restart_cmd;
      }
      Nemesis nem(node_handles(c), hooks, config_for(c, o->seed, o->delayd));
      if (heal->parsed()) return print_heal(nem.heal_all());
      if (run->parsed()) {
        auto spec = schedule_from(*o);
        auto ops = make_schedule(spec, c.node_names());
        std::signal(SIGINT, on_stop_signal);
        std::signal(SIGTERM, on_stop_signal);
        if (!nem.setup().ok()) std::fprintf(stderr, "faultline nemesis: leftovers of an earlier run could not all be healed\n");
        ScheduleRunOptions ro;
        ro.should_stop = [] { return g_signal.load() != 0; };
        ro.on_op = [](const Op& op) {
          std::printf("%s\n", op_to_json(op).dump().c_str());
          std::fflush(stdout);
        };
        auto rep = run_schedule(nem, ops, ro);
        for (const auto& e : rep.errors) std::fprintf(stderr, "heal error: %s\n", e.c_str());
        if (int sig = g_signal.load()) return 128 + sig;
        return rep.ok() ? 0 : 1;
      }
      if (stop->parsed()) {
        for (const auto& id : nem.stop(o->what)) std::printf("stopped %s\n", id.c_str());
        return 0;
      }
      if (start->parsed()) {
        auto s = nem.start(spec_from(*o));
        std::string on;
        for (const auto& n : s.nodes) on += (on.empty() ? "" : ",") + n;
        std::printf("started %s on %s: %s\n", s.fault_id.c_str(), on.empty() ? "-" : on.c_str(),
                    s.value.dump().c_str());
        std::fflush(stdout);
        if (o->hold_ms > 0) return hold(nem, s.fault_id, o->hold_ms);
        return 0;
      }
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "faultline nemesis: %s\n", e.what());
      return kExitBadArgs;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "faultline nemesis: %s\n", e.what());
      return 1;
    }
    return kExitBadArgs;
  };
}

CommandRegistrar reg("nemesis", "Inject faults by hand: start, stop, status, heal", &setup_nemesis);

}  // namespace
}  // namespace faultline::cli
