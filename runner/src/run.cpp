// run_test: one `faultline test` run from spec to stored verdict (lifecycle in run.h). The run's
// files are in run_files.h, its nodes in run_nodes.h, re-analysis and exit codes in analyze.cpp.
#include "faultline/runner/run.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <faultline/control/cluster.h>
#include <faultline/control/local_cluster.h>
#include <faultline/core/formats.h>
#include <faultline/nemesis/fault.h>
#include <faultline/nemesis/nemesis.h>
#include <faultline/nemesis/schedule.h>
#include <faultline/nemesis/schedule_runner.h>
#include <faultline/reports/checkers.h>
#include <faultline/reports/run_report.h>
#include <faultline/workloads/workload.h>

#include "faultline/runner/progress.h"
#include "faultline/runner/store.h"
#include "faultline/runner/system.h"
#include "run_analysis.h"
#include "run_files.h"
#include "run_nodes.h"

namespace faultline::runner {
namespace fs = std::filesystem;
using namespace detail;

namespace {

std::string delayd_path() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  for (auto p : {exe.parent_path() / "faultline-delayd",
                 exe.parent_path().parent_path() / "nemesis" / "faultline-delayd"})
    if (fs::exists(p, ec)) return p.string();
  return {};
}

// The fault a `--nemesis KIND[:TARGET]` means in a schedule, Jepsen-like. Without a target, a
// partition cuts random halves (a fresh seeded split each time) and every other kind (kill,
// pause, clock, loss, rate, delay) aims at "any": the schedule draws one, minority, majority,
// all or primaries per occurrence (schedule.h). KIND:TARGET pins the target (partition:T
// isolates T from the rest).
nemesis::FaultSpec default_fault(const std::string& entry) {
  const NemesisEntry ne = parse_nemesis_entry(entry);
  const std::string& kind = ne.kind;
  nemesis::FaultSpec f;
  f.kind = kind;
  if (kind == "partition") {
    f.params = {{"shape", "random-halves"}};
    f.target = "all";
  } else {
    if (kind == "clock") f.params = {{"bump_ms", 30'000}};
    f.target = "any";
  }
  if (!ne.target.empty()) {
    f.target = ne.target;
    // A partition's shapes other than isolate span every node: a target means "cut these off".
    if (kind == "partition" && ne.target != "all") f.params = {{"shape", "isolate"}};
  }
  return f;
}

struct Counters {
  std::atomic<int64_t> invocations{0}, ok{0}, fail{0}, info{0}, nemesis{0};
};


}  // namespace

RunOutcome run_test(const TestSpec& spec_in, const RunOptions& ropts) {
  validate(spec_in);
  TestSpec spec = spec_in;
  const std::string name = spec.effective_name();
  spec.name = name;
  auto workload = workloads::make_workload(spec.workload);
  workloads::WorkloadOptions wopts = workload_options(spec);

  workloads::GeneratorConfig gcfg;
  workload->configure(gcfg, wopts);
  gcfg.seed = spec.seed;
  gcfg.concurrency = spec.concurrency;
  gcfg.rate_per_s = spec.rate;
  gcfg.arrival = spec.arrival == "poisson" ? workloads::Arrival::Poisson : workloads::Arrival::Uniform;
  gcfg.time_limit_ns = wopts.time_limit_ns;
  // A phase without a duration lasts until the time limit.
  for (auto& ph : gcfg.phases)
    if (ph.duration_ns <= 0) ph.duration_ns = gcfg.time_limit_ns;
  try {
    workloads::validate(gcfg);
  } catch (const std::invalid_argument& e) {
    throw SpecError("workload " + spec.workload + ": " + e.what());
  }

  RunOutcome out;
  out.run_dir = create_run_dir(spec.store, name, std::time(nullptr));
  const std::string dir = out.run_dir;
  write_json_file(dir + "/test.json", spec_to_json(spec));
  // Point the latest links here at once: a run killed mid-way is still found by
  // `faultline check --store store/<test>/latest`.
  try {
    update_latest_links(spec.store, name, dir);
  } catch (const std::exception&) {
  }
  if (ropts.on_run_dir) ropts.on_run_dir(dir);
  RunLog log(dir + "/faultline.log");
  log.line("test " + name + ": " + spec_to_json(spec).dump());

  Json errors = Json::array();
  std::mutex errors_mu;
  bool crashed = false;
  auto error = [&](const std::string& phase, const std::string& what) {
    std::lock_guard lk(errors_mu);
    errors.push_back({{"phase", phase}, {"error", what}});
    log.line("ERROR in " + phase + ": " + what);
  };
  Json timings = Json::object();
  const auto t0 = Clock::now();
  auto secs = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };

  Recorder recorder(dir + "/history.jsonl", t0);
  LineFile schedule(dir + "/schedule.jsonl");
  Counters counters;

  // Nodes + system.
  Nodes nodes;
  std::unique_ptr<System> system;
  std::vector<std::string> node_names;
  bool setup_ok = true;
  try {
    open_nodes(spec, nodes, log);
    log.line("nodes: " + nodes.describe);
    for (const auto& n : nodes.nodes) node_names.push_back(n.name);
    SystemContext ctx;
    ctx.nodes = nodes.nodes;
    ctx.bug = spec.bug;
    ctx.control_netns = nodes.control_netns;
    ctx.local_processes = spec.nodes.mode == NodesMode::LocalProcesses;
    ctx.client_timeout_s = spec.client_timeout_s;
    if (std::any_of(spec.nemesis.begin(), spec.nemesis.end(),
                    [](const std::string& e) { return parse_nemesis_entry(e).kind == "clock"; })) {
      nemesis::NemesisConfig nc;
      for (const auto& n : node_names) ctx.daemon_env[n] = nemesis::faketime_env(nc, n);
    }
    system = make_system(spec.system, std::move(ctx));
  } catch (const std::exception& e) {
    error("nodes", e.what());
    setup_ok = false;
    crashed = true;
  }

  // Install, setup, start, wait until serving.
  const bool serial_nodes = spec.nodes.mode == NodesMode::LocalProcesses;
  if (setup_ok && system && !node_names.empty()) {
    auto errs = for_each_node(node_names, serial_nodes, [&](const std::string& n) {
      system->install(n);
      system->setup(n);
      system->start(n);
      log.line(n + ": started");
    });
    if (!errs.empty()) {
      error("setup", join(errs));
      setup_ok = false;
    } else {
      auto missing = system->wait_serving(spec.ready_timeout_s);
      if (!missing.empty()) {
        error("setup", "not serving after " + std::to_string(spec.ready_timeout_s) + " s: " + join(missing, ", "));
        setup_ok = false;
      }
    }
    if (!setup_ok) crashed = true;
  }
  timings["setup"] = secs();
  log.line(setup_ok ? "system serving" : "setup failed; skipping the run");

  // Nemesis.
  std::unique_ptr<nemesis::Nemesis> nem;
  std::vector<nemesis::ScheduledOp> fault_plan;
  std::string nemesis_warning;  // said on stderr too: a nemesis that never acts is a surprise
  std::vector<nemesis::NodeHandle> handles;
  const int64_t main_end_ns = workloads::main_end_ns(gcfg);
  if (setup_ok && !spec.nemesis.empty()) {
    try {
      for (const auto& n : nodes.nodes) handles.push_back({n.name, n.host, n.remote});
      NemesisHooks h = system->hooks();
      nemesis::SystemHooks sh;
      if (!h.pid_file.empty()) sh.processes.pid_file = h.pid_file;
      else sh.processes.pattern = h.pattern;
      sh.restart = h.restart;
      sh.restart_cmd = h.restart_cmd;
      System* sys = system.get();
      // A fault aimed at the leader may fire mid-election (e.g. just after a partition heals):
      // wait, bounded, for one to be named rather than failing the fault at once.
      sh.primaries = [sys] {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        for (;;) {
          auto p = sys->primaries();
          if (!p.empty() || std::chrono::steady_clock::now() >= until) return p;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      };
      nemesis::NemesisConfig nc;
      nc.journal_path = nodes.journal_path;
      nc.seed = spec.seed;
      nc.delayd_local_path = delayd_path();
      nem = std::make_unique<nemesis::Nemesis>(handles, sh, nc);
      auto rep = nem->setup();
      for (const auto& e : rep.errors) error("nemesis-setup", e);
      nemesis::ScheduleSpec ss;
      for (const auto& k : spec.nemesis) ss.faults.push_back(default_fault(k));
      ss.interval_ms = static_cast<int64_t>(spec.nemesis_interval_s * 1000);
      ss.time_limit_ms = main_end_ns / 1'000'000;
      ss.seed = spec.seed;
      ss.primaries = system->info().has_primaries;
      if (ss.time_limit_ms >= 2 * ss.interval_ms) fault_plan = nemesis::make_schedule(ss, node_names);
      else {
        nemesis_warning = "nemesis: the time limit (" + std::to_string(ss.time_limit_ms) +
                          " ms) is shorter than two nemesis intervals (" +
                          std::to_string(ss.interval_ms) +
                          " ms each), so no fault is scheduled; lower --nemesis-interval";
        log.line(nemesis_warning);
      }
      for (const auto& op : fault_plan) {
        Json j = op.to_json();
        j["type"] = "fault";
        schedule.line(j);
      }
    } catch (const std::exception& e) {
      error("nemesis-setup", e.what());
      nem.reset();
    }
  }

  // Clients + nemesis until the time limit, then heal, recover, final phase.
  std::optional<bool> recovered;
  if (setup_ok) {
    Progress progress(ropts.progress, spec.time_limit_s);
    // A warning, not progress: said even with --no-progress (before the status line starts).
    if (!nemesis_warning.empty()) std::fprintf(stderr, "warning: %s\n", nemesis_warning.c_str());
    std::mutex gen_mu;
    std::condition_variable final_cv;
    bool final_released = false;
    // Workers done with the main phase (parked at the final barrier, or exhausted). The final
    // phase starts only once every worker is, as Jepsen's gen/phases does: a main-phase op still
    // in flight (stuck behind a fault, bounded by the client timeout) must not overlap final
    // reads, which checkers take as reading after every main op.
    int parked = 0;
    std::condition_variable parked_cv;
    workloads::GeneratorState gstate = workloads::initial_state(gcfg);
    std::atomic<bool> main_over{false};
    auto stop_requested = [&] { return ropts.stop && ropts.stop->load(); };
    auto now_ns = [&] {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
    };
    const int64_t run_start_ns = now_ns();
    const int64_t end_ns = run_start_ns + main_end_ns;
    // The generator's clock starts at 0 when the clients start.
    auto gen_now = [&] { return now_ns() - run_start_ns; };

    auto worker = [&](int slot) {
      int64_t process = slot;
      std::unique_ptr<workloads::SutClient> client;
      auto fresh_client = [&] {
        try {
          client = system->client(process);
        } catch (const std::exception& e) {
          error("client", "process " + std::to_string(process) + ": " + e.what());
          client.reset();
        }
      };
      fresh_client();
      for (;;) {
        workloads::Step step;
        {
          std::unique_lock lk(gen_mu);
          const int64_t g = gen_now();
          const bool at_end = stop_requested() || main_over.load() || g >= main_end_ns ||
                              gstate.in_final ||
                              (gcfg.rate_per_s > 0 &&
                               static_cast<int64_t>(gstate.next_time_ns) >= main_end_ns);
          if (at_end && !final_released) {
            ++parked;
            parked_cv.notify_all();
            final_cv.wait(lk, [&] { return final_released; });
            continue;
          }
          // After an early stop the generator must see its time limit as reached, or it would
          // go on with main-phase ops instead of the final phase.
          step = workloads::next(gcfg, gstate,
                                 {main_over.load() ? std::max(g, main_end_ns) : g, process});
          if (std::holds_alternative<workloads::Exhausted>(step)) {
            if (!final_released) ++parked;
            parked_cv.notify_all();
            break;
          }
        }
        if (auto* p = std::get_if<workloads::Pending>(&step)) {
          int64_t wait = std::min<int64_t>(p->until_ns - gen_now(), 50'000'000);
          if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
          continue;
        }
        auto& rec = std::get<workloads::ScheduleRecord>(step);
        Json sj = workloads::schedule_record_to_json(rec);
        sj["type"] = "op";
        schedule.line(sj);
        Op inv;
        inv.process = process;
        inv.type = OpType::Invoke;
        inv.f = rec.f;
        inv.value = rec.value;
        inv.key = rec.key;
        if (client) inv.node = client->node();
        workload->prepare(inv);
        recorder.record(inv);
        counters.invocations.fetch_add(1, std::memory_order_relaxed);
        Op done;
        if (!client) {
          done = workloads::completion(inv, OpType::Fail);
          done.error = "no client for this process";
        } else {
          try {
            done = workload->invoke(inv, *client);
          } catch (const workloads::Indeterminate& e) {
            done = workloads::completion(inv, OpType::Info);
            done.error = e.what();
          } catch (const workloads::NotSent& e) {
            done = workloads::completion(inv, OpType::Fail);
            done.error = e.what();
          } catch (const std::exception& e) {  // unknown outcome
            done = workloads::completion(inv, OpType::Info);
            done.error = std::string("client error: ") + e.what();
          }
        }
        done.process = process;
        done.f = inv.f;
        if (done.type == OpType::Invoke) done.type = OpType::Info;
        recorder.record(done);
        switch (done.type) {
          case OpType::Ok: counters.ok.fetch_add(1, std::memory_order_relaxed); break;
          case OpType::Fail: counters.fail.fetch_add(1, std::memory_order_relaxed); break;
          default: counters.info.fetch_add(1, std::memory_order_relaxed); break;
        }
        if (done.type == OpType::Info) {
          process += spec.concurrency;  // retire; a fresh process continues
          fresh_client();
        }
      }
    };

    std::vector<std::thread> workers;
    for (int i = 0; i < spec.concurrency; ++i) workers.emplace_back(worker, i);

    std::thread nemesis_thread;
    std::atomic<bool> nemesis_done{false};
    nemesis::HealReport nemesis_report;
    if (nem) {
      nemesis_thread = std::thread([&] {
        nemesis::ScheduleRunOptions so;
        so.should_stop = [&] { return main_over.load() || stop_requested(); };
        so.on_op = [&](const Op& op) {
          counters.nemesis.fetch_add(1, std::memory_order_relaxed);
          if (op.type == OpType::Info) progress.fault_event(op);
          recorder.record(op);
        };
        nemesis_report = nemesis::run_schedule(*nem, fault_plan, so);
        nemesis_done = true;
      });
    }

    // Main phase: wait for the time limit (or a stop request), showing progress.
    while (now_ns() < end_ns && !stop_requested()) {
      progress.update(secs() - run_start_ns / 1e9, counters.ok, counters.fail, counters.info);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    main_over = true;
    timings["main_phase_end"] = secs();
    log.line("main phase over; healing");
    if (nemesis_thread.joinable()) nemesis_thread.join();
    if (nem) {
      for (const auto& e : nemesis_report.errors) error("heal", e);
      // run_schedule healed already; a second heal is idempotent and catches late leftovers.
      auto rep = nem->heal_all();
      for (const auto& e : rep.errors) error("heal", e);
    }
    timings["healed"] = secs();
    // Let the system recover before the final phase.
    if (system && !node_names.empty()) {
      progress.note("waiting for the system to serve again");
      auto missing = system->wait_serving(spec.recovery_timeout_s);
      recovered = missing.empty();
      if (!missing.empty())
        error("recovery", "not serving " + std::to_string(spec.recovery_timeout_s) +
                              " s after heal: " + join(missing, ", "));
      timings["recovered"] = secs();
    }
    {
      std::unique_lock lk(gen_mu);
      // Bounded: an op in flight ends by the client timeout; a client ignoring it must not hang
      // the run (then the final phase starts anyway, as before, and the log says so).
      const auto bound = std::chrono::duration<double>(2 * spec.client_timeout_s + 5);
      if (!parked_cv.wait_for(lk, bound, [&] { return parked >= spec.concurrency; }))
        log.line("final phase: " + std::to_string(spec.concurrency - parked) +
                 " client(s) still busy with a main-phase op; starting anyway");
      final_released = true;
    }
    final_cv.notify_all();
    log.line("final phase");
    for (auto& t : workers) t.join();
    timings["final_phase_end"] = secs();
    progress.update(secs() - run_start_ns / 1e9, counters.ok, counters.fail, counters.info, true);
    progress.finish();
  }
  schedule.flush();

  // Teardown, logs, nodes.
  if (system && !node_names.empty()) {
    if (!spec.leave_running) {
      auto errs = for_each_node(node_names, serial_nodes, [&](const std::string& n) { system->teardown(n); });
      for (const auto& e : errs) error("teardown", e);
    }
    auto errs = for_each_node(node_names, serial_nodes, [&](const std::string& n) {
      const std::string ndir = dir + "/nodes/" + safe_test_name(n);
      fs::create_directories(ndir);
      control::Remote* r = nullptr;
      for (auto& sn : nodes.nodes)
        if (sn.name == n) r = sn.remote;
      for (const auto& f : system->log_files(n)) {
        if (!r->exec("test -f " + control::shell_quote(f)).ok()) continue;
        r->download(f, ndir + "/" + fs::path(f).filename().string());
      }
    });
    for (const auto& e : errs) error("logs", e);
  }
  timings["teardown"] = secs();
  if (!nodes.created_cluster.empty() && !spec.leave_running) {
    nodes.cluster.reset();
    try {
      control::local_cluster_down(nodes.created_cluster);
      log.line("local cluster " + nodes.created_cluster + " torn down");
    } catch (const std::exception& e) {
      error("teardown", std::string("cluster down: ") + e.what());
    }
  }
  if (!nodes.work_dir.empty() && !spec.leave_running) {
    std::error_code ec;
    fs::remove_all(nodes.work_dir, ec);
  }

  // Check.
  History history(recorder.take());
  if (recorder.write_failed()) error("history", "writing history.jsonl failed (disk full?)");
  Json wres;
  try {
    wres = workload->check(history, wopts);
  } catch (const std::exception& e) {
    error("check", e.what());
    wres = {{"valid", "unknown"}, {"error", e.what()}};
  }
  timings["checked"] = secs();
  Json results = {{"valid", wres.value("valid", Json("unknown"))},
                  {"workload", wres},
                  {"errors", errors},
                  {"crashed", crashed},
                  {"recovered", recovered ? Json(*recovered) : Json()},
                  {"stats",
                   {{"invocations", counters.invocations.load()},
                    {"ok", counters.ok.load()},
                    {"fail", counters.fail.load()},
                    {"info", counters.info.load()},
                    {"nemesis_ops", counters.nemesis.load()},
                    {"history_ops", history.size()}}},
                  {"timings_s", timings},
                  {"nodes", nodes.describe},
                  {"run_dir", dir}};
  if (!nodes.created_cluster.empty() && spec.leave_running) results["cluster"] = nodes.created_cluster;
  results["checkers"] = reports::composed_checkers(history);  // stats, perf, availability
  results["exit_code"] = exit_code_for(results);
  out.exit_code = results["exit_code"];
  write_json_file(dir + "/results.json", results);
  try {
    log.line("report " + reports::write_run_report(dir));
  } catch (const std::exception& e) {
    log.line(std::string("report: ") + e.what());
  }
  try {
    update_latest_links(spec.store, name, dir);
  } catch (const std::exception& e) {
    log.line(std::string("latest links: ") + e.what());
  }
  log.line("verdict " + results["valid"].dump() + ", exit " + std::to_string(out.exit_code));
  out.results = std::move(results);
  return out;
}

}  // namespace faultline::runner
