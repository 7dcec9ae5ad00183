// End-to-end runs of `faultline test` against system 2pc on --local-processes (no root needed:
// kill and pause only), label runner;integration:
//  - list-append under kill:primaries + pause: valid, both faults applied, real work done.
//  - --bug presume-commit, bank under kill:primaries: reads with the wrong total, while the
//    correct build on the same seed and nemesis is valid. At most 4 bug seeds (bounded).
#include <catch2/catch.hpp>

#include <string>

#include "faultline/runner/run.h"
#include "runner_test_util.h"

using namespace faultline;
using namespace faultline::runner;
using namespace runner_test;

namespace {

TestSpec local_spec(const TempDir& d, const std::string& workload) {
  TestSpec s = local_processes_spec("2pc", workload, d);
  s.nemesis_interval_s = 0.8;
  s.time_limit_s = 6;
  s.concurrency = 6;
  s.rate = 200;
  return s;
}

int64_t ok_ops(const RunOutcome& o) { return o.results["stats"]["ok"].get<int64_t>(); }

bool wrong_total(const Json& workload) {
  for (const auto& r : workload["bad_reads"])
    for (const auto& p : r["problems"])
      if (p == "wrong-total") return true;
  return false;
}

}  // namespace

TEST_CASE("e2e 2pc local processes: list-append under kill:primaries and pause is valid") {
  TempDir d("faultline-e2e-2pc-local");
  TestSpec s = local_spec(d, "list-append");
  s.nemesis = {"kill:primaries", "pause"};
  std::vector<nemesis::FaultSpec> faults(2);
  faults[0].kind = "kill";
  faults[0].target = "primaries";
  faults[1].kind = "pause";
  faults[1].target = "minority";
  s.seed = seed_starting_every_fault(faults, 1, 100, s.nemesis_interval_s, s.time_limit_s);
  RunOutcome o = run_quiet(s);
  INFO("seed " << s.seed << ", run " << o.run_dir << "\n" << o.results.dump(2).substr(0, 4000));
  check_valid_run(o);
  auto starts = fault_starts(o.run_dir);
  CHECK(starts["start-kill"].size() >= 1);
  CHECK(starts["start-pause"].size() >= 1);
  CHECK(ok_ops(o) >= 20);
}

TEST_CASE("e2e 2pc local processes: --bug presume-commit breaks bank totals; correct build valid") {
  TempDir d("faultline-e2e-2pc-local");
  TestSpec s = local_spec(d, "bank");
  s.nemesis = {"kill:primaries"};
  s.seed = 1;
  {
    RunOutcome o = run_quiet(s);
    INFO("correct build, run " << o.run_dir << "\n" << o.results.dump(2).substr(0, 3000));
    check_valid_run(o);
    CHECK(ok_ops(o) > 0);
    CHECK(fault_starts(o.run_dir)["start-kill"].size() >= 1);
  }
  std::string where;
  for (uint64_t seed = 1; seed <= 4 && where.empty(); ++seed) {
    TestSpec b = s;
    b.bug = "presume-commit";
    b.seed = seed;
    RunOutcome o = run_quiet(b);
    INFO("seed " << seed << ", run " << o.run_dir << "\n" << o.results.dump(2).substr(0, 3000));
    REQUIRE(ok_ops(o) > 0);
    REQUIRE(fault_starts(o.run_dir)["start-kill"].size() >= 1);
    if (o.results["valid"] == false && wrong_total(o.results["workload"])) {
      CHECK(o.exit_code == 1);
      where = o.run_dir;
    }
  }
  CHECK_FALSE(where.empty());
  if (!where.empty()) WARN("presume-commit: wrong bank total found in " << where);
}
