// End-to-end runs of faults aimed like Jepsen's (label runner;integration), on 3 local processes
// (no root needed):
//  - `kill,pause`: a two-kind list runs both kinds (shuffled round robin) in a two-slot run, each
//    applied successfully; every start records its node spec in schedule.jsonl and history.jsonl
//    and hit as many nodes as the spec says; the run is valid and did work.
//  - paxos --bug no-persist under `--nemesis kill` with no target: 20 s, 3 nodes, a kill every
//    2 s (five kills, so the round robin of node specs aims one at every node): the set workload
//    loses acknowledged adds (the anomaly named: lost adds), within a bounded number of seeds;
//    the correct build under the same settings and the same seeds is valid. Each seed that
//    found the bug is rerun on the correct build, so the control covers the finding seeds.
//  - `faultline test --list` states the rule; KIND:any is accepted, partition:any refused.
#include <catch2/catch.hpp>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "faultline/runner/spec.h"

#include "faultline/runner/run.h"
#include "runner_test_util.h"
#include "targeting_test_util.h"

using namespace faultline;
using namespace faultline::runner;
using namespace runner_test;

TEST_CASE("e2e targeting: --list states the rule; KIND:any is accepted, partition:any refused") {
  const std::string cmd = std::string(FAULTLINE_BINARY_DIR) + "/cli/faultline test --list 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  CHECK(::pclose(p) == 0);
  for (const char* s : {"every kind before one repeats", "aims each occurrence at one of: one,",
                        "minority, majority, all, primaries", "the minority of a 1-node run",
                        "the primaries of a leaderless", "random halves", "node_spec"})
    CHECK_THAT(out, Catch::Contains(s));
  TempDir d("faultline-e2e-aim");
  TestSpec s = local_processes_spec("paxos", "set", d);
  s.nemesis = {"kill:any", "pause", "clock:majority"};
  CHECK_NOTHROW(validate(s));
  s.nodes.mode = NodesMode::LocalCluster;
  s.nemesis = {"partition:any"};
  CHECK_THROWS_WITH(validate(s), Catch::Contains("a partition picks a shape"));
}

TEST_CASE("e2e targeting: kill,pause on local processes applies both kinds, each aimed and recorded") {
  TempDir d("faultline-e2e-aim");
  TestSpec s = local_processes_spec("raft", "register", d);
  s.nemesis = {"kill", "pause"};
  s.nemesis_interval_s = 1;
  s.time_limit_s = 4.5;  // two fault slots: 1-2 s and 3-4 s
  s.concurrency = 3;
  s.rate = 150;
  // Any seed plans both kinds (the unit tests check every seed's plan); one run shows it.
  s.seed = 1;
  RunOutcome o = run_quiet(s);
  INFO("run " << o.run_dir << "\n" << o.results.dump(2).substr(0, 4000));
  check_valid_run(o);
  CHECK(o.results["stats"]["ok"].get<int64_t>() > 0);
  const auto starts = aimed_starts(o.run_dir);
  REQUIRE(starts.size() == 2);
  // Both kinds ran, and each was applied (an info completion without an error).
  CHECK(ok_starts(starts, "kill") == 1);
  CHECK(ok_starts(starts, "pause") == 1);
  check_aims(o.run_dir);
}

TEST_CASE("e2e targeting: paxos --bug no-persist is caught by --nemesis kill with no target") {
  TempDir d("faultline-e2e-aim");
  auto spec = [&](uint64_t seed, const std::string& bug) {
    TestSpec s = local_processes_spec("paxos", "set", d);
    s.bug = bug;
    s.nemesis = {"kill"};
    s.nemesis_interval_s = 2;
    s.time_limit_s = 20;
    s.concurrency = 4;
    s.rate = 100;
    s.seed = seed;
    return s;
  };
  // Every kill of a run is applied and aimed as planned; the run did work.
  auto check_kills = [](const RunOutcome& o) {
    CHECK(o.results["stats"]["ok"].get<int64_t>() > 50);
    const auto starts = aimed_starts(o.run_dir);
    CHECK(starts.size() == 5);
    CHECK(ok_starts(starts, "kill") == static_cast<int>(starts.size()));
    std::set<std::string> specs;
    for (const auto& st : starts) specs.insert(st.node_spec);
    // Paxos names a leader: all five node specs, each once.
    CHECK(specs == std::set<std::string>{"one", "minority", "majority", "all", "primaries"});
    check_aims(o.run_dir);
  };
  constexpr uint64_t kMaxSeeds = 3;  // detection is probabilistic; bounded
  std::vector<uint64_t> found;
  for (uint64_t seed = 1; seed <= kMaxSeeds && found.empty(); ++seed) {
    RunOutcome o = run_quiet(spec(seed, "no-persist"));
    INFO("no-persist, seed " << seed << ", run " << o.run_dir << "\n" << o.results.dump(2).substr(0, 4000));
    check_kills(o);
    if (o.results["valid"] == false) {
      found.push_back(seed);
      CHECK(o.exit_code == 1);
      // The anomaly named: acknowledged adds the final reads no longer show.
      CHECK(o.results["workload"]["lost_count"].get<int64_t>() > 0);
      CHECK_FALSE(o.results["workload"]["lost"].empty());
    }
  }
  REQUIRE(found.size() == 1);
  // The correct build, same settings, the seed that found the bug: valid, nothing lost.
  RunOutcome o = run_quiet(spec(found.front(), ""));
  INFO("correct build, seed " << found.front() << ", run " << o.run_dir << "\n"
                              << o.results.dump(2).substr(0, 4000));
  check_valid_run(o);
  CHECK(o.results["workload"]["lost_count"] == 0);
  check_kills(o);
}
