// Bug knobs found end to end by `faultline test` on --local-processes (no root: kill only),
// each next to the correct build under the same seed and nemesis (runner_test_util.h,
// prove_knob_e2e):
//  - paxos --bug no-persist, set, every node killed (kill:all): acknowledged adds lost (the set
//    checker's `lost`). Killing only a majority rarely shows it: the surviving node re-proposes
//    what it holds once the others are back.
#include <catch2/catch.hpp>

#include <string>

#include "faultline/runner/run.h"
#include "runner_test_util.h"

using namespace faultline;
using namespace faultline::runner;
using namespace runner_test;

TEST_CASE("e2e knob paxos no-persist: acknowledged adds lost, the correct build loses none") {
  TempDir d("faultline-e2e-knobs");
  prove_knob_e2e({.knob = "no-persist",
                  .max_seeds = 3,
                  .spec =
                      [&](uint64_t seed, const std::string& bug) {
                        TestSpec s = local_processes_spec("paxos", "set", d);
                        s.bug = bug;
                        s.nemesis = {"kill:all"};
                        s.nemesis_interval_s = 0.8;
                        s.time_limit_s = 5;
                        s.concurrency = 4;
                        s.rate = 100;
                        s.seed = seed;
                        return s;
                      },
                  .anomaly = [](const RunOutcome& o) -> std::string {
                    const Json& wl = o.results["workload"];
                    if (o.results["valid"] != false || wl.value("lost_count", int64_t{0}) <= 0 ||
                        wl["lost"].empty())
                      return "";
                    return std::to_string(wl["lost_count"].get<int64_t>()) +
                           " acknowledged adds lost, e.g. " + wl["lost"][0].dump();
                  }});
}
