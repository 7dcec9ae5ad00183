// End-to-end runs of `faultline test` (label runner;integration). Each is a few seconds of load:
//  - the noop harness with no system: history well formed, results valid, store layout;
//  - raft on --local-processes under kill: valid, faults recorded, the killed node restarted;
//  - (root) raft on a local cluster under partition + kill: valid;
//  - (root) SIGKILL of the control process mid-run: the history reads to its last line,
//    `check --store` re-analyses it, `faultline cluster heal` brings the killed daemon back.
//  - (root) raft --bug stale-read under partitions: invalid, the stale read named.
//  - paxos on --local-processes under kill: valid.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <faultline/control/local_cluster.h>
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
  for (const char* f : {"test.json", "history.jsonl", "results.json", "schedule.jsonl", "faultline.log"})
    CHECK(fs::exists(fs::path(o.run_dir) / f));
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
  CHECK(o.results["stats"]["ok"].get<int64_t>() > 0);
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

TEST_CASE("e2e: raft on a local cluster under partition and kill (root)", "[needs-root]") {
  TempDir d("faultline-e2e");
  LocalCluster g("rte");
  TestSpec s = cluster_spec("raft", "register", g.name, d);
  s.nemesis = {"partition", "kill"};
  s.nemesis_interval_s = 1;
  s.time_limit_s = 5;
  s.concurrency = 3;
  s.rate = 100;
  s.seed = 11;
  RunOutcome o = run_quiet(s);
  INFO(o.results.dump(2));
  check_valid_run(o);
  auto faults = fault_starts(o.run_dir);
  CHECK(faults.count("start-partition") + faults.count("start-kill") >= 1);
  for (const char* n : {"n1", "n2", "n3"}) CHECK(fs::exists(fs::path(o.run_dir) / "nodes" / n / "raft.log"));
}

TEST_CASE("e2e: SIGKILL of the control process mid-run (root)", "[needs-root]") {
  TempDir d("faultline-e2e");
  LocalCluster g("rtk");
  const std::string exe = std::string(FAULTLINE_BINARY_DIR) + "/cli/faultline";
  const std::string store = (d.path / "store").string();
  const std::string workload = "register";
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::string log = (d.path / "child.log").string();
    FILE* f = std::freopen(log.c_str(), "w", stdout);
    (void)f;
    ::dup2(::fileno(stdout), 2);
    ::execl(exe.c_str(), exe.c_str(), "test", "--cluster", g.name.c_str(), "--system", "raft",
            "--workload", workload.c_str(), "--nemesis", "kill", "--nemesis-interval", "2",
            "--time-limit", "60", "--concurrency", "3", "--rate", "100", "--store", store.c_str(),
            "--name", "killed", "--no-progress", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait (bounded) until a kill fault is in effect, then SIGKILL the control process.
  const std::string hist = store + "/killed/latest/history.jsonl";
  bool fault_active = false;
  for (int i = 0; i < 1500 && !fault_active; ++i) {  // <= 30 s
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    fault_active = fs::exists(hist) && count_substr(hist, "\"f\":\"start-kill\"") >= 2 &&
                   count_substr(hist, "\"type\":\"info\",\"value\":{\"effect\"") >= 1;
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(fault_active);
  // The history reads to its last line (every line is complete JSON: flushed per op).
  std::ifstream in(hist);
  std::string line, last;
  int64_t lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    last = line;
    REQUIRE_NOTHROW(Json::parse(line));
  }
  CHECK(lines > 2);
  CHECK_FALSE(fs::exists(store + "/killed/latest/results.json"));
  // `faultline check --store` re-analyses it.
  const std::string check = exe + " check --store " + store + "/killed/latest > /dev/null 2>&1";
  CHECK(std::system(check.c_str()) == 0);
  Json res = read_json_file(store + "/killed/latest/results.json");
  CHECK(res["valid"] == true);
  CHECK(res["reanalysed"] == true);
  // `faultline cluster heal` undoes the kill from the journal: the daemon runs again.
  const std::string heal = exe + " cluster heal --name " + g.name + " > /dev/null 2>&1";
  CHECK(std::system(heal.c_str()) == 0);
  control::Cluster c = control::open_local_cluster(g.name);
  for (const auto& n : c.node_names()) {
    auto r = c.remote(n).exec(
        "p=$(cat /var/lib/faultline/raft.pid) && [ -d /proc/$p ] && grep -q faultline-raftd /proc/$p/cmdline");
    CHECK(r.ok());
  }
}

TEST_CASE("e2e: raft --bug stale-read under partitions is invalid, the stale read named (root)",
          "[needs-root]") {
  TempDir d("faultline-e2e");
  LocalCluster g("rts");
  TestSpec s = cluster_spec("raft", "register", g.name, d);
  s.bug = "stale-read";
  s.nemesis = {"partition"};
  s.nemesis_interval_s = 1;
  s.time_limit_s = 5;
  s.concurrency = 5;
  s.rate = 200;
  s.seed = 5;
  RunOutcome o = run_quiet(s);
  INFO(o.results.dump(2).substr(0, 4000));
  CHECK(o.exit_code == 1);
  CHECK(o.results["valid"] == false);
  const Json& failures = o.results["workload"]["failures"];
  REQUIRE_FALSE(failures.empty());
  CHECK(failures[0]["f"] == "read");
  CHECK(failures[0].value("explanation", std::string()).find("read") != std::string::npos);
  // The op it names is a read in the stored history.
  History h = read_history_file(o.run_dir + "/history.jsonl");
  const int64_t idx = failures[0]["op"];
  REQUIRE(idx < static_cast<int64_t>(h.size()));
  CHECK(h[static_cast<size_t>(idx)].f == "read");
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
  CHECK(o.results["stats"]["ok"].get<int64_t>() > 0);
  CHECK(o.results["stats"]["nemesis_ops"].get<int64_t>() >= 4);
  for (const char* n : {"n1", "n2", "n3"}) CHECK(fs::exists(fs::path(o.run_dir) / "nodes" / n / "paxos.log"));
}
