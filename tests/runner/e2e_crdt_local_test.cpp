// faultline-crdtd's bug knobs found end to end by `faultline test` on 3 local processes (no
// root: kill and clock faults), each next to the correct build on the same seed and nemesis
// (runner_test_util.h prove_knob_e2e: the knob's run invalid with its anomaly named, the
// correct build valid without it, both with ok ops and every fault kind applied):
//  - lww-wall-clock, lww-register, clock skew (+30 s on a minority): a write made after its node
//    read V loses to V ("lost-causally-later-write"); the correct build's HLC keeps it;
//  - no-tombstone-merge, or-set, kill: removes never reach the other replicas, which keep the
//    element ("resurrected-remove");
//  - drop-on-restart, pn-counter, kill: acknowledged updates of a killed node are gone after
//    its restart ("counter-not-subset-sum": the converged value is no acknowledged sum plus a
//    subset of indeterminate updates).
// The correct-build controls are the crdt "valid under kill / clock" runs. Each run ~10 s.
#include <catch2/catch.hpp>

#include "crdt_e2e_util.h"
#include "faultline/runner/run.h"

using namespace faultline;
using namespace faultline::runner;
using namespace runner_test;

namespace {

KnobE2E crdt_knob(const TempDir& d, const std::string& knob, const std::string& workload,
                  const std::string& fault, const std::string& anomaly) {
  return {.knob = knob,
          .max_seeds = 3,
          .spec =
              [&d, workload, fault](uint64_t seed, const std::string& bug) {
                TestSpec s = local_processes_spec("crdt", workload, d);
                s.bug = bug;
                s.nemesis = {fault};
                s.time_limit_s = 5;
                s.nemesis_interval_s = 1;
                s.concurrency = 6;  // a multiple of 3: a retired process keeps its node
                s.rate = 300;
                s.seed = seed_starting_every_fault(crdt_faults({fault}), seed, 50, 1, 5);
                return s;
              },
          .anomaly = [anomaly](const RunOutcome& o) { return crdt_anomaly(o, anomaly); }};
}

}  // namespace

TEST_CASE("e2e knob crdt lww-wall-clock: a causally later write lost under clock skew") {
  TempDir d("faultline-e2e-crdt");
  prove_knob_e2e(crdt_knob(d, "lww-wall-clock", "lww-register", "clock", "lost-causally-later-write"));
}

TEST_CASE("e2e knob crdt no-tombstone-merge: removed elements resurrect") {
  TempDir d("faultline-e2e-crdt");
  prove_knob_e2e(crdt_knob(d, "no-tombstone-merge", "or-set", "kill", "resurrected-remove"));
}

TEST_CASE("e2e knob crdt drop-on-restart: acknowledged updates lost on restart") {
  TempDir d("faultline-e2e-crdt");
  prove_knob_e2e(crdt_knob(d, "drop-on-restart", "pn-counter", "kill", "counter-not-subset-sum"));
}
