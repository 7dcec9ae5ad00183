// End to end as root (label runner;integration;needs-root): `--nemesis partition,kill` on a
// 3-node local cluster (network namespaces + sshd) in a short run with two fault slots applies
// both kinds (a shuffled round robin runs every kind before one repeats, whatever the seed),
// each successfully; the kill is aimed at a drawn node spec recorded in schedule.jsonl and
// history.jsonl, the partition cuts random halves; the run is valid and did work.
// Without root this executable reports Skipped (exit 77, ctest SKIP_RETURN_CODE), never Passed.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "faultline/runner/run.h"
#include "runner_test_util.h"
#include "targeting_test_util.h"

using namespace faultline;
using namespace faultline::runner;
using namespace runner_test;

TEST_CASE("e2e targeting: partition,kill on a local cluster applies both kinds (root)") {
  TempDir d("faultline-e2e-aim");
  LocalCluster g("aim");
  TestSpec s = cluster_spec("raft", "register", g.name, d);
  s.nemesis = {"partition", "kill"};
  s.nemesis_interval_s = 1;
  s.time_limit_s = 4.5;  // two fault slots: 1-2 s and 3-4 s
  s.concurrency = 3;
  s.rate = 100;
  // Any seed plans both kinds (the unit tests check every seed's plan); one run shows it.
  s.seed = 1;
  RunOutcome o = run_quiet(s);
  INFO("run " << o.run_dir << "\n" << o.results.dump(2).substr(0, 4000));
  check_valid_run(o);
  CHECK(o.results["stats"]["ok"].get<int64_t>() > 0);
  const auto starts = aimed_starts(o.run_dir);
  REQUIRE(starts.size() == 2);
  CHECK(ok_starts(starts, "partition") == 1);
  CHECK(ok_starts(starts, "kill") == 1);
  for (const auto& st : starts)
    if (st.kind == "partition") CHECK(st.node_spec == "all");  // random halves span every node
  check_aims(o.run_dir);
}

