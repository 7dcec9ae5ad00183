// End-to-end runs of `faultline test` against the Multi-Paxos daemon (label runner;integration).
// Each run is a few seconds of load on 3 nodes:
//  - (root) paxos on a local cluster under partition + kill, for register, cas-register, set,
//    lock, unique-names, broadcast and queue: valid, both fault kinds really happened, and
//    enough ops succeeded that the verdict means something. One cluster serves every run (each
//    run's setup wipes the node's data).
//  - (root) paxos --bug no-persist under kills of every node: invalid (acknowledged adds lost),
//    while the correct build under the same nemesis is valid. Bounded loop over a few seeds; the
//    test asserts one of them found it.
//  - (root) paxos --bug skip-promise-check under short partitions: invalid (a non-linearizable
//    register read), the correct build valid under the same nemesis; bounded seed loop.
//  - paxos on --local-processes under majority kills (queue): valid, every kill hit 2 of the 3
//    nodes, and the killed daemons came back (no root needed).
// Broadcast and queue runs also check the final phase began after every main-phase op ended.
// Seeds for the valid runs are picked with nemesis::make_schedule (pure) so that the plan holds a
// partition and a kill; the history is then checked for both.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <faultline/control/local_cluster.h>
#include <faultline/nemesis/schedule.h>

#include "faultline/runner/run.h"
#include "runner_test_util.h"

using namespace faultline;
using namespace faultline::runner;
namespace fs = std::filesystem;

using namespace runner_test;

namespace {

// The final phase starts only after every main-phase op completed (the runner's barrier): the
// first final op ("final-read" of broadcast, "drain" of queue) comes after the last main-phase
// client completion in the history.
void check_final_after_main(const std::string& run_dir, const std::string& final_f) {
  int64_t first_final = -1, last_main_completion = -1;
  std::map<std::string, std::string> open_f;  // process -> f of its open invocation
  for (const auto& op : read_lines(run_dir + "/history.jsonl")) {
    if (op["process"] == "nemesis") continue;
    const std::string p = op["process"].dump();
    const int64_t idx = op["index"];
    if (op["type"] == "invoke") {
      open_f[p] = op["f"];
      if (op["f"] == final_f && first_final < 0) first_final = idx;
    } else if (open_f[p] != final_f) {
      last_main_completion = idx;
    }
  }
  INFO("run " << run_dir << ": first " << final_f << " invoked at " << first_final
              << ", last main-phase completion at " << last_main_completion);
  REQUIRE(first_final >= 0);
  CHECK(first_final > last_main_completion);
}

// The first seed >= from whose fault plan (as the runner makes it: default faults, random order)
// starts both a partition and a kill.
uint64_t seed_with_both_faults(uint64_t from, double interval_s, double time_limit_s) {
  std::vector<nemesis::FaultSpec> faults;
  for (const char* k : {"partition", "kill"}) {
    nemesis::FaultSpec f;
    f.kind = k;
    // As runner/src/run.cpp default_fault() makes them (target draws may share the RNG).
    f.target = f.kind == "partition" ? "all" : "minority";
    if (f.kind == "partition") f.params = {{"shape", "random-halves"}};
    faults.push_back(f);
  }
  return seed_starting_every_fault(faults, from, 100, interval_s, time_limit_s);
}

TestSpec paxos_spec(const std::string& cluster, const std::string& store) {
  TestSpec s;
  s.system = "paxos";
  s.nodes.mode = NodesMode::Cluster;
  s.nodes.cluster = cluster;
  s.nemesis_interval_s = 0.8;
  s.time_limit_s = 5;
  s.concurrency = 4;
  s.rate = 100;
  s.store = store;
  return s;
}

}  // namespace

TEST_CASE("e2e paxos: local cluster under partition and kill is valid for every workload (root)",
          "[needs-root]") {
  TempDir d("faultline-e2e-paxos");
  LocalCluster g("pxe");
  uint64_t seed = 1;
  for (const char* workload :
       {"register", "cas-register", "set", "lock", "unique-names", "broadcast", "queue"}) {
    TestSpec s = paxos_spec(g.name, (d.path / "store").string());
    s.workload = workload;
    s.nemesis = {"partition", "kill"};
    s.seed = seed = seed_with_both_faults(seed, s.nemesis_interval_s, s.time_limit_s);
    ++seed;
    RunOutcome o = run_quiet(s);
    INFO("workload " << workload << ", seed " << s.seed << ", run " << o.run_dir << "\n"
                     << o.results.dump(2).substr(0, 6000));
    check_valid_run(o);
    // Faults of both kinds really happened, and the clients got real work done.
    auto starts = fault_starts(o.run_dir);
    CHECK(starts["start-partition"].size() >= 1);
    CHECK(starts["start-kill"].size() >= 1);
    CHECK(o.results["stats"]["ok"].get<int64_t>() >= 30);  // lock: most acquires fail (held)
    for (const char* n : {"n1", "n2", "n3"})
      CHECK(fs::exists(fs::path(o.run_dir) / "nodes" / n / "paxos.log"));
    if (s.workload == "broadcast") check_final_after_main(o.run_dir, "final-read");
    if (s.workload == "queue") check_final_after_main(o.run_dir, "drain");
  }
}

TEST_CASE("e2e paxos: --bug no-persist under whole-cluster kills loses acknowledged adds (root)",
          "[needs-root]") {
  TempDir d("faultline-e2e-paxos");
  LocalCluster g("pxn");
  // Killing only a majority (2 of 3) rarely shows the bug: the surviving node keeps running
  // elections with ever higher ballots while the others are down, wins once they restart, and
  // re-proposes everything it holds (5 seeds of majority kills found nothing). Killing every
  // node leaves no one holding the acknowledged state. The same nemesis on the correct build is
  // valid (checked first), so the verdict is the bug's doing. Bounded: at most 5 seeds.
  auto spec = [&](uint64_t seed, const std::string& bug) {
    TestSpec s = paxos_spec(g.name, (d.path / "store").string());
    s.bug = bug;
    s.workload = "set";
    s.nemesis = {"kill:all"};
    s.seed = seed;
    return s;
  };
  {
    RunOutcome o = run_quiet(spec(1, ""));
    INFO("correct build, run " << o.run_dir << "\n" << o.results.dump(2).substr(0, 4000));
    CHECK(o.results["valid"] == true);
    CHECK(o.results["errors"].empty());
    CHECK(o.results["workload"]["lost_count"] == 0);
    auto starts = fault_starts(o.run_dir);
    REQUIRE(starts["start-kill"].size() >= 1);
    for (const auto& v : starts["start-kill"]) CHECK(fault_nodes(v).size() == 3);
  }
  bool found = false;
  std::string where;
  for (uint64_t seed = 1; seed <= 5 && !found; ++seed) {
    RunOutcome o = run_quiet(spec(seed, "no-persist"));
    INFO("seed " << seed << ", run " << o.run_dir << "\n" << o.results.dump(2).substr(0, 4000));
    auto starts = fault_starts(o.run_dir);
    REQUIRE(starts["start-kill"].size() >= 1);
    for (const auto& v : starts["start-kill"]) CHECK(fault_nodes(v).size() == 3);
    if (o.results["valid"] == false) {
      found = true;
      where = o.run_dir;
      CHECK(o.exit_code == 1);
      // The set checker names acknowledged adds the final reads no longer show.
      CHECK(o.results["workload"]["lost_count"].get<int64_t>() > 0);
      CHECK_FALSE(o.results["workload"]["lost"].empty());
    }
  }
  CHECK(found);
  if (found) WARN("no-persist found in " << where);
}

TEST_CASE("e2e paxos: on local processes under majority kills is valid, daemons restarted") {
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

TEST_CASE("e2e paxos: --bug skip-promise-check under partitions is invalid (root)",
          "[needs-root]") {
  TempDir d("faultline-e2e-paxos");
  LocalCluster g("pxs");
  // The bug needs an isolated leader that still leads when the partition heals (it steps down
  // after 2x the 300 ms election timeout without a majority) while the majority side has elected
  // a new one: 0.5 s partitions. Measured: 4 of 7 seeds found it; 7 of 7 correct-build runs under
  // the same nemesis were valid. Bounded: at most 8 seeds (a miss rate around 0.1%).
  auto spec = [&](uint64_t seed, const std::string& bug) {
    TestSpec s = paxos_spec(g.name, (d.path / "store").string());
    s.bug = bug;
    s.workload = "register";
    s.nemesis = {"partition"};
    s.nemesis_interval_s = 0.5;
    s.concurrency = 6;
    s.rate = 200;
    s.seed = seed;
    return s;
  };
  {
    RunOutcome o = run_quiet(spec(1, ""));
    INFO("correct build, run " << o.run_dir << "\n" << o.results.dump(2).substr(0, 4000));
    CHECK(o.results["valid"] == true);
    CHECK(o.results["errors"].empty());
    CHECK(fault_starts(o.run_dir)["start-partition"].size() >= 3);
  }
  bool found = false;
  std::string where;
  for (uint64_t seed = 1; seed <= 8 && !found; ++seed) {
    RunOutcome o = run_quiet(spec(seed, "skip-promise-check"));
    INFO("seed " << seed << ", run " << o.run_dir << "\n" << o.results.dump(2).substr(0, 4000));
    REQUIRE(fault_starts(o.run_dir)["start-partition"].size() >= 3);
    if (o.results["valid"] == false) {
      found = true;
      where = o.run_dir;
      CHECK(o.exit_code == 1);
      // A linearizability failure naming an op of the stored history.
      const Json& failures = o.results["workload"]["failures"];
      REQUIRE_FALSE(failures.empty());
      const int64_t idx = failures[0]["op"];
      CHECK(idx < static_cast<int64_t>(read_lines(o.run_dir + "/history.jsonl").size()));
    }
  }
  CHECK(found);
  if (found) WARN("skip-promise-check found in " << where);
}
