// Bug knobs found end to end by `faultline test` on a 3-node local cluster (root: partitions),
// each next to the correct build under the same seed and nemesis (runner_test_util.h,
// prove_knob_e2e). One cluster serves every run (a run's setup wipes the system's data).
//  - raft --bug stale-read, register, the leader cut off (partition:primaries): a read returns
//    a value older than an acknowledged write that completed before the read began (found in
//    history.jsonl without a search), on a key the checker names as failing at a read;
//  - raft --bug early-ack, set, the leader cut off: acknowledged adds lost (the set checker's
//    `lost`);
// Each knob: at most a few seeds of ~5 s; the correct build runs once, on the seed that found it.
// paxos --bug skip-promise-check has no case here: it needs the cut-off leader to still lead when
// its accepts get through after the heal, but TCP's retransmission backoff delivers them ~0.61 s
// after the cut while the leader's check quorum deposes it at 0.6 s; 0 of 8 seeds found it (the
// simulation proves the knob, tests/sut/paxos/paxos_sim_test.cpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "faultline/runner/run.h"
#include "runner_test_util.h"

using namespace faultline;
using namespace faultline::runner;
using namespace runner_test;

namespace {

const std::string& cluster() {
  static LocalCluster c("knb");
  return c.name;
}

struct Dirs {
  TempDir d{"faultline-e2e-knobs"};
};

TestSpec on_cluster(const std::string& system, const std::string& workload, const TempDir& d) {
  TestSpec s = cluster_spec(system, workload, cluster(), d);
  s.time_limit_s = 5;
  s.nemesis_interval_s = 1;
  return s;
}

// A stale read (found in history.jsonl) on a key the register checker names as failing at a read.
std::string stale_read_the_checker_names(const RunOutcome& o) {
  const Json& wl = o.results["workload"];
  if (o.results["valid"] != false || !wl.contains("failures")) return "";
  const auto stale = stale_reads(o.run_dir);
  for (const auto& f : wl["failures"]) {
    if (f.value("f", std::string()) != "read") continue;
    const std::string prefix = "key " + f["key"].dump() + ":";
    for (const auto& s : stale)
      if (s.rfind(prefix, 0) == 0)
        return s + " (" + std::to_string(stale.size()) + " stale reads; the checker: " +
               f.value("explanation", std::string()).substr(0, 200) + ")";
  }
  return "";
}

}  // namespace

TEST_CASE("e2e knob raft stale-read: a stale read, the correct build linearizable (root)") {
  Dirs dirs;
  prove_knob_e2e({.knob = "stale-read",
                  .max_seeds = 3,
                  .spec =
                      [&](uint64_t seed, const std::string& bug) {
                        TestSpec s = on_cluster("raft", "register", dirs.d);
                        s.bug = bug;
                        s.nemesis = {"partition:primaries"};
                        s.concurrency = 5;
                        s.rate = 200;
                        s.seed = seed;
                        return s;
                      },
                  .anomaly = stale_read_the_checker_names});
}

TEST_CASE("e2e knob raft early-ack: acknowledged adds lost, the correct build loses none (root)") {
  Dirs dirs;
  // Cut off from the rest, the leader acks alone for the whole fault; the majority's new leader
  // overwrites those entries (and the old one, told to truncate entries it applied, aborts).
  prove_knob_e2e({.knob = "early-ack",
                  .max_seeds = 4,
                  .spec =
                      [&](uint64_t seed, const std::string& bug) {
                        TestSpec s = on_cluster("raft", "set", dirs.d);
                        s.bug = bug;
                        s.nemesis = {"partition:primaries"};
                        s.concurrency = 6;
                        s.rate = 500;
                        s.seed = seed;
                        s.recovery_timeout_s = bug.empty() ? 20 : 3;  // an aborted node stays down
                        return s;
                      },
                  .anomaly = [](const RunOutcome& o) -> std::string {
                    const Json& wl = o.results["workload"];
                    if (o.results["valid"] != false || wl.value("lost_count", int64_t{0}) <= 0 ||
                        wl["lost"].empty())
                      return "";
                    for (const auto& e : o.results["errors"])
                      if (e["phase"] != "recovery") return "";
                    return std::to_string(wl["lost_count"].get<int64_t>()) +
                           " acknowledged adds lost, e.g. " + wl["lost"][0].dump();
                  }});
}
