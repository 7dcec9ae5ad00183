// `faultline test`: one (or --test-count N) full run(s) of a system under a workload and a
// nemesis, stored under --store (runner/run.h has the lifecycle, runner/store.h the layout).
//   faultline test --system raft [--bug stale-read] --workload register --nemesis partition,kill
//                  --nodes 5 | --nodes-file F | --cluster NAME | --local-processes
//                  --time-limit 60 --concurrency 10 --rate 200 --seed 42
//   faultline test --spec test.json [flags overriding it]
//   faultline test --list
// Exit: 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 crashed (worst over --test-count).
// SIGINT/SIGTERM end the main phase early; faults are healed and the run is checked and stored.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "faultline/reports/run_report.h"
#include "faultline/nemesis/fault.h"
#include "faultline/runner/run.h"
#include "faultline/runner/spec.h"
#include "faultline/runner/system.h"
#include "faultline/workloads/workload.h"

namespace faultline::cli {
namespace {

using namespace faultline::runner;

std::atomic<bool> g_stop{false};
extern "C" void on_test_signal(int) {
  g_stop.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second signal ends the process
  std::signal(SIGTERM, SIG_DFL);
}

struct Args {
  TestSpec spec;
  std::string spec_file;
  std::string nodes;  // a count, or a host list
  std::string nemesis;
  std::string strict = "yes";
  bool local_processes = false;
  bool list = false;
  bool no_progress = false;
};

int list_all() {
  std::printf("systems:\n");
  for (const auto& n : system_names()) {
    try {
      SystemInfo i = system_info(n);
      std::string ops, bugs;
      for (const auto& o : i.ops) ops += (ops.empty() ? "" : ",") + o;
      std::printf("  %-10s ops: %s\n", n.c_str(), ops.empty() ? "-" : ops.c_str());
      for (const auto& [b, what] : i.bugs) std::printf("             --bug %-20s %s\n", b.c_str(), what.c_str());
    } catch (const std::exception& e) {
      std::printf("  %-10s (unavailable: %s)\n", n.c_str(), e.what());
    }
  }
  std::printf("workloads:\n");
  for (const auto& n : workloads::workload_names()) {
    auto w = workloads::make_workload(n);
    std::string ops;
    for (const auto& o : w->required_ops()) ops += (ops.empty() ? "" : ",") + o;
    std::printf("  %-14s needs: %-22s %s\n", n.c_str(), ops.empty() ? "-" : ops.c_str(),
                w->description().c_str());
  }
  std::printf("nemeses (--nemesis a,b,... ; KIND:TARGET pins a target):\n");
  for (const auto& k : nemesis::fault_kinds()) {
    const bool net = is_network_fault(k);
    const char* aim = k == "partition" ? "random halves; partition:T cuts T off"
                                       : "aimed per occurrence (below); KIND:TARGET pins it";
    if (net) std::printf("  %-10s %-52s (not with --local-processes)\n", k.c_str(), aim);
    else std::printf("  %-10s %s\n", k.c_str(), aim);
  }
  std::printf(
      "  A list runs every kind before one repeats (a seeded shuffled round robin), one fault\n"
      "  per --nemesis-interval. A fault with no target aims each occurrence at one of: one,\n"
      "  minority, majority, all, primaries (seeded, every choice before one repeats; skipped\n"
      "  when empty or undefined: the minority of a 1-node run, the primaries of a leaderless\n"
      "  system). TARGET: one, minority, majority, all, primaries, any, n1+n2. The aim of each\n"
      "  fault is recorded as node_spec in schedule.jsonl and in its history ops.\n");
  return kExitValid;
}

int worst(int a, int b) {
  auto rank = [](int c) { return c == kExitInvalid ? 4 : c == kExitCrash ? 3 : c == kExitUnknown ? 2 : c == kExitValid ? 0 : 1; };
  return rank(a) >= rank(b) ? a : b;
}

int run(Args& a, CLI::App& app) {
  if (a.list) return list_all();
  TestSpec s;
  try {
    if (!a.spec_file.empty()) s = read_spec_file(a.spec_file);
  } catch (const SpecError& e) {
    std::fprintf(stderr, "faultline test: %s\n", e.what());
    return kExitBadArgs;
  }
  auto given = [&](const char* name) { return app.get_option(name)->count() > 0; };
  const TestSpec& f = a.spec;
  if (given("--name")) s.name = f.name;
  if (given("--system")) s.system = f.system;
  if (given("--bug")) s.bug = f.bug;
  if (given("--workload")) s.workload = f.workload;
  if (given("--time-limit")) s.time_limit_s = f.time_limit_s;
  if (given("--concurrency")) s.concurrency = f.concurrency;
  if (given("--rate")) s.rate = f.rate;
  if (given("--seed")) s.seed = f.seed;
  if (given("--test-count")) s.test_count = f.test_count;
  if (given("--leave-running")) s.leave_running = true;
  if (given("--store")) s.store = f.store;
  if (given("--nemesis-interval")) s.nemesis_interval_s = f.nemesis_interval_s;
  if (given("--client-timeout")) s.client_timeout_s = f.client_timeout_s;
  if (given("--recovery-timeout")) s.recovery_timeout_s = f.recovery_timeout_s;
  if (given("--nemesis")) {
    s.nemesis.clear();
    size_t start = 0;
    while (start <= a.nemesis.size()) {
      size_t c = a.nemesis.find(',', start);
      std::string k = a.nemesis.substr(start, c == std::string::npos ? std::string::npos : c - start);
      if (!k.empty() && k != "none") s.nemesis.push_back(k);
      if (c == std::string::npos) break;
      start = c + 1;
    }
  }
  const bool count_given = given("--nodes") && !a.nodes.empty() &&
                           a.nodes.find_first_not_of("0123456789") == std::string::npos;
  if (a.local_processes) {
    s.nodes.mode = NodesMode::LocalProcesses;
    s.nodes.count = count_given ? std::stoi(a.nodes) : (given("--spec") ? s.nodes.count : 3);
  } else if (given("--cluster")) {
    s.nodes.mode = NodesMode::Cluster;
    s.nodes.cluster = f.nodes.cluster;
  } else if (given("--nodes-file")) {
    s.nodes.mode = NodesMode::Hosts;
    s.nodes.nodes_file = f.nodes.nodes_file;
  } else if (given("--nodes") && !count_given) {
    s.nodes.mode = NodesMode::Hosts;
    s.nodes.nodes = a.nodes;
  } else if (count_given) {
    s.nodes.mode = NodesMode::LocalCluster;
    s.nodes.count = std::stoi(a.nodes);
  }
  if (s.nodes.mode == NodesMode::Hosts) {
    if (given("--ssh-user")) s.nodes.ssh_user = f.nodes.ssh_user;
    if (given("--ssh-key")) s.nodes.ssh_key = f.nodes.ssh_key;
    if (given("--ssh-port")) s.nodes.ssh_port = f.nodes.ssh_port;
    if (given("--strict-host-key-checking")) s.nodes.strict_host_key_checking = a.strict == "yes" || a.strict == "true";
  }
  try {
    validate(s);
  } catch (const SpecError& e) {
    std::fprintf(stderr, "faultline test: %s\n", e.what());
    return kExitBadArgs;
  }
  if (s.nodes.mode == NodesMode::LocalCluster && s.system != "none" && ::geteuid() != 0) {
    std::fprintf(stderr, "faultline test: a local cluster (--nodes N) needs root; run as root, or "
                         "use --local-processes (no partitions), or --nodes-file for real hosts\n");
    return kExitBadArgs;
  }
  std::signal(SIGINT, on_test_signal);
  std::signal(SIGTERM, on_test_signal);
  int code = kExitValid;
  for (int i = 0; i < s.test_count && !g_stop.load(); ++i) {
    TestSpec one = s;
    one.seed = s.seed + static_cast<uint64_t>(i);
    one.test_count = 1;
    RunOptions ro;
    ro.progress = !a.no_progress;
    ro.stop = &g_stop;
    RunOutcome o;
    try {
      o = run_test(one, ro);
    } catch (const SpecError& e) {
      std::fprintf(stderr, "faultline test: %s\n", e.what());
      return kExitBadArgs;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "faultline test: %s\n", e.what());
      return kExitCrash;
    }
    const Json& r = o.results;
    const Json st = r.value("stats", Json::object());
    std::printf("%s: %s  (exit %d)\n", one.effective_name().c_str(), r["valid"].dump().c_str(), o.exit_code);
    std::printf("  ops ok %lld, fail %lld, info %lld; nemesis ops %lld; %s\n",
                static_cast<long long>(st.value("ok", 0)), static_cast<long long>(st.value("fail", 0)),
                static_cast<long long>(st.value("info", 0)),
                static_cast<long long>(st.value("nemesis_ops", 0)), r.value("nodes", std::string()).c_str());
    for (const auto& e : r.value("errors", Json::array()))
      std::printf("  error in %s: %s\n", e.value("phase", std::string()).c_str(),
                  e.value("error", std::string()).c_str());
    if (r.contains("cluster"))
      std::printf("  left running: local cluster %s (faultline cluster down --name %s)\n",
                  r["cluster"].get<std::string>().c_str(), r["cluster"].get<std::string>().c_str());
    std::printf("%s", reports::run_summary(o.run_dir).c_str());  // the report header's words
    std::printf("  stored in %s\n", o.run_dir.c_str());
    std::fflush(stdout);
    code = worst(code, o.exit_code);
    if (o.exit_code == kExitInvalid) break;
  }
  return code;
}

CommandRun setup_test(CLI::App& app) {
  auto a = std::make_shared<Args>();
  TestSpec& s = a->spec;
  app.add_flag("--list", a->list, "List systems (with their bugs), workloads and nemeses");
  app.add_option("--spec", a->spec_file, "Test spec JSON (test.json); flags given too override it");
  app.add_option("--name", s.name, "Test name (default: <system>[-<bug>]-<workload>)");
  app.add_option("--system", s.system, "System under test (see --list)");
  app.add_option("--bug", s.bug, "Switch on one of the system's documented bugs");
  app.add_option("--workload", s.workload, "Workload (see --list)");
  app.add_option("--nemesis", a->nemesis, "Faults, comma separated: partition,kill,pause,clock,...; each kind runs before one repeats; with no target a fault aims each occurrence at one, minority, majority, all or primaries (seeded), a partition cuts random halves; KIND:TARGET pins it (kill:primaries kills the leader, partition:primaries cuts it off; targets one, minority, majority, all, primaries, any, n1+n2) (default: none)");
  app.add_option("--nemesis-interval", s.nemesis_interval_s, "Seconds between fault starts/stops (default 5)");
  auto* nodes = app.add_option("--nodes", a->nodes, "Number of nodes of a fresh local cluster (root), or a host list h1,h2:2222");
  auto* file = app.add_option("--nodes-file", s.nodes.nodes_file, "Real hosts, one '[name] host[:port]' a line");
  auto* cl = app.add_option("--cluster", s.nodes.cluster, "Run on this existing local cluster (faultline cluster up)");
  auto* lp = app.add_flag("--local-processes", a->local_processes, "Nodes as plain processes on loopback ports (no root; kill/pause/clock only)");
  file->excludes(cl)->excludes(lp);
  cl->excludes(lp);
  nodes->excludes(file)->excludes(cl);
  app.add_option("--ssh-user", s.nodes.ssh_user, "SSH user for real hosts (default root)");
  app.add_option("--ssh-key", s.nodes.ssh_key, "Private key for real hosts (default ssh-agent)");
  app.add_option("--ssh-port", s.nodes.ssh_port, "Default SSH port for real hosts (default 22)");
  app.add_option("--strict-host-key-checking", a->strict, "yes (default) or no")
      ->check(CLI::IsMember({"yes", "no", "true", "false"}));
  app.add_option("--time-limit", s.time_limit_s, "Seconds of load (default 60)");
  app.add_option("--concurrency", s.concurrency, "Client processes (default 10)");
  app.add_option("--rate", s.rate, "Target ops/s over all clients (default 0 = unlimited)");
  app.add_option("--seed", s.seed, "Seed of the generator and the nemesis (default 0)");
  app.add_option("--test-count", s.test_count, "Run the test N times (seeds seed..seed+N-1)");
  app.add_flag("--leave-running", s.leave_running, "Do not tear the system (and a fresh local cluster) down");
  app.add_option("--store", s.store, "Store directory (default ./store)");
  app.add_option("--client-timeout", s.client_timeout_s, "Seconds before a client request is indeterminate (default 2)");
  app.add_option("--recovery-timeout", s.recovery_timeout_s, "Seconds to wait for the system to serve after heal (default 20)");
  app.add_flag("--no-progress", a->no_progress, "Do not show progress on stderr");
  CLI::App* appp = &app;
  return [a, appp] { return run(*a, *appp); };
}

const CommandRegistrar reg("test", "Run a test: system + workload + nemesis, checked and stored", &setup_test);

}  // namespace
}  // namespace faultline::cli
