// End-to-end runs of `faultline test` that need no root (label runner;integration). Each is a
// few seconds of load; every run with a system asserts it happened (ok ops, each fault kind
// applied: check_run_happened):
//  - the noop harness with no system: history well formed, results valid, store layout;
//  - raft on --local-processes under kill: valid, the killed node restarted;
//  - paxos on --local-processes under kill: valid;
//  - paxos on --local-processes under majority kills (queue): valid, every kill hit 2 of the 3
//    nodes, and the killed daemons came back.
// Root-only runs (local clusters) live in e2e_raft_test.cpp, e2e_paxos_test.cpp and
// e2e_knobs_test.cpp; bug knobs in e2e_knobs*_test.cpp.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <faultline/core/formats.h>

#include "faultline/runner/run.h"
#include "faultline/runner/store.h"
#include "runner_test_util.h"

using namespace faultline;
using namespace faultline::runner;
namespace fs = std::filesystem;

using namespace runner_test;

TEST_CASE("e2e: noop harness run without a system") {
  TempDir d("faultline-e2e");
  TestSpec s = base_spec("none", "noop", d);
  s.time_limit_s = 1;
  s.concurrency = 4;
  s.seed = 7;
  RunOutcome o = run_quiet(s);
  CHECK(o.exit_code == 0);
  CHECK(o.results["valid"] == true);
  CHECK(o.results["errors"].empty());
  for (const char* f : {"test.json", "history.jsonl", "results.json", "schedule.jsonl", "faultline.log",
                        "report.html"})
    CHECK(fs::exists(fs::path(o.run_dir) / f));
  for (const char* c : {"stats", "perf", "availability"})  // composed beside the workload's checker
    CHECK(o.results["checkers"][c]["valid"] == true);
  CHECK(fs::equivalent(d.path / "store" / "latest", o.run_dir));
  CHECK(fs::equivalent(d.path / "store" / "none-noop" / "latest", o.run_dir));
  // The history is well formed: pairs up, times non-decreasing, one completion per invocation.
  History h = read_history_file(o.run_dir + "/history.jsonl");
  REQUIRE_NOTHROW(h.pair());
  REQUIRE(h.size() > 100);
  int64_t invokes = 0, last_time = -1;
  for (size_t i = 0; i < h.size(); ++i) {
    CHECK(h[i].index == static_cast<int64_t>(i));
    CHECK(h[i].time_ns >= last_time);
    last_time = h[i].time_ns;
    if (h[i].type == OpType::Invoke) {
      ++invokes;
      CHECK(h.completion(i) >= 0);
    }
  }
  CHECK(o.results["stats"]["invocations"] == invokes);
  CHECK(o.results["stats"]["ok"] == invokes);
  // schedule.jsonl lists every generated op.
  auto sched = read_lines(o.run_dir + "/schedule.jsonl");
  CHECK(static_cast<int64_t>(sched.size()) == invokes);
  CHECK(sched.front()["type"] == "op");
  // test.json re-reads to the same spec; check --store agrees.
  TestSpec back = read_spec_file(o.run_dir + "/test.json");
  CHECK(back.seed == 7);
  CHECK(back.workload == "noop");
  RunOutcome again = check_stored_run((d.path / "store" / "none-noop" / "latest").string());
  CHECK(again.exit_code == 0);
  CHECK(again.results["reanalysed"] == true);
}

TEST_CASE("e2e: check --store on a history whose last line is torn") {
  TempDir d("faultline-e2e");
  TestSpec s = base_spec("none", "noop", d);
  s.time_limit_s = 0.2;
  s.concurrency = 2;
  RunOutcome o = run_quiet(s);
  REQUIRE(o.exit_code == 0);
  {
    std::ofstream out(o.run_dir + "/history.jsonl", std::ios::app);
    out << "{\"index\": 99999999, \"process\": 0, \"ty";  // killed mid-write
  }
  RunOutcome again = check_stored_run(o.run_dir);
  CHECK(again.exit_code == 0);
  CHECK(again.results["torn_last_line"] == true);
  // A bad line that is not the last one is an error, not silently skipped.
  {
    std::ofstream out(o.run_dir + "/history.jsonl", std::ios::app);
    out << "\n{\"index\":1}\n";
  }
  CHECK_THROWS(check_stored_run(o.run_dir));
}

TEST_CASE("e2e: raft on local processes under kill") {
  TempDir d("faultline-e2e");
  TestSpec s = local_processes_spec("raft", "register", d);
  s.nemesis = {"kill"};
  s.nemesis_interval_s = 1;
  s.time_limit_s = 4;
  s.concurrency = 3;
  s.rate = 200;
  s.seed = 3;
  RunOutcome o = run_quiet(s);
  INFO(o.results.dump(2));
  check_valid_run(o);
  check_run_happened(s, o);
  // Kills happened, succeeded, and were undone by restarting the daemon.
  std::vector<std::string> killed;
  for (const auto& op : read_lines(o.run_dir + "/history.jsonl")) {
    if (op["process"] == "nemesis" && op["f"] == "start-kill" && op["type"] == "info") {
      REQUIRE_FALSE(op["value"].contains("error"));
      for (const auto& n : op["value"]["nodes"]) killed.push_back(n);
    }
  }
  REQUIRE_FALSE(killed.empty());
  const std::string log = o.run_dir + "/nodes/" + killed.front() + "/raft.log";
  REQUIRE(fs::exists(log));
  CHECK(count_substr(log, "\"msg\":\"ready\"") >= 2);  // started, killed, restarted
  // Teardown removed the local processes' directory and stopped every daemon.
  const std::string nodes_line = o.results["nodes"];
  const std::string work = nodes_line.substr(nodes_line.find("/tmp/"));
  CHECK_FALSE(fs::exists(work));
}

TEST_CASE("e2e: paxos on local processes under kill") {
  TempDir d("faultline-e2e");
  TestSpec s = local_processes_spec("paxos", "register", d);
  s.nemesis = {"kill"};
  s.nemesis_interval_s = 1;
  s.time_limit_s = 3;
  s.concurrency = 3;
  s.rate = 150;
  s.seed = 9;
  RunOutcome o = run_quiet(s);
  INFO(o.results.dump(2));
  check_valid_run(o);
  check_run_happened(s, o);  // the kill was applied, not only invoked
  for (const char* n : {"n1", "n2", "n3"}) CHECK(fs::exists(fs::path(o.run_dir) / "nodes" / n / "paxos.log"));
}

TEST_CASE("e2e: paxos on local processes under majority kills is valid, daemons restarted") {
  TempDir d("faultline-e2e-paxos");
  TestSpec s = local_processes_spec("paxos", "queue", d);
  s.nemesis = {"kill:majority"};
  s.nemesis_interval_s = 0.8;
  s.time_limit_s = 5;
  s.concurrency = 4;
  s.rate = 100;
  s.seed = 4;
  RunOutcome o = run_quiet(s);
  INFO("run " << o.run_dir << "\n" << o.results.dump(2).substr(0, 6000));
  check_valid_run(o);
  check_run_happened(s, o);
  CHECK(o.results["stats"]["ok"].get<int64_t>() >= 50);
  check_final_after_main(o.run_dir, "drain");
  auto starts = fault_starts(o.run_dir);
  REQUIRE(starts["start-kill"].size() >= 2);
  std::map<std::string, int> kills;
  for (const auto& v : starts["start-kill"]) {
    const auto nodes = fault_nodes(v);
    CHECK(nodes.size() == 2);  // the kill:majority target took effect
    for (const auto& n : nodes) ++kills[n];
  }
  // A killed node logged "ready" once per start: initial start + one restart per kill.
  for (const auto& [n, k] : kills) {
    const std::string log = o.run_dir + "/nodes/" + n + "/paxos.log";
    REQUIRE(fs::exists(log));
    CHECK(count_substr(log, "\"msg\":\"ready\"") >= 1 + k);
  }
}
