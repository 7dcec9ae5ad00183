// End-to-end runs of raft on a 3-node local cluster (label runner;integration; root only, each
// case skips with a message otherwise). One cluster is brought up for the whole executable and
// torn down at exit; every run is a few seconds of load with a fault every ~0.8 s:
//  - every workload the issue names (register, cas-register, set, lock, unique-names, broadcast,
//    queue, bank, counter, list-append, rw-register) under partition (random halves) + kill of
//    the leader -> valid, with both
//    fault kinds really applied (the seed is picked so the schedule holds both) and enough ok ops;
//  - --bug early-ack with the leader cut off and killed (`partition:primaries,kill:primaries`)
//    -> an acknowledged add lost (set workload), found within a bounded number of seeds.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
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

// The cluster shared by every case; torn down when the executable exits.
const std::string& cluster() {
  static LocalCluster c("rft");
  return c.name;
}

constexpr double kTimeLimit = 4.5;
constexpr double kInterval = 0.7;  // starts at 0.7, 2.1, 3.5 s: three faults

// The first seed from `from` whose fault schedule (random order over the kinds, as the runner
// builds it) starts every one of `kinds` at least once.
uint64_t seed_with_every_kind(const std::vector<std::string>& kinds, uint64_t from) {
  std::vector<nemesis::FaultSpec> faults;
  for (const auto& k : kinds)
    faults.push_back({.kind = parse_nemesis_entry(k).kind, .params = Json::object(), .target = "all"});
  return seed_starting_every_fault(faults, from, 1000, kInterval, kTimeLimit);
}

TestSpec raft_spec(const std::string& workload, const fs::path& store) {
  TestSpec s;
  s.system = "raft";
  s.workload = workload;
  s.nodes.mode = NodesMode::Cluster;
  s.nodes.cluster = cluster();
  s.nemesis = {"partition", "kill:primaries"};  // random halves; kill the leader
  s.nemesis_interval_s = kInterval;
  s.time_limit_s = kTimeLimit;
  s.concurrency = 4;
  s.rate = 150;
  s.store = store.string();
  return s;
}

}  // namespace

TEST_CASE("e2e raft: every workload under partition + kill is valid (root)", "[needs-root]") {
  const std::vector<std::string> workloads = {"register", "cas-register", "set",     "lock",
                                              "unique-names", "broadcast", "queue", "bank",
                                              "counter", "list-append", "rw-register"};
  for (size_t i = 0; i < workloads.size(); ++i) {
    const std::string& w = workloads[i];
    DYNAMIC_SECTION(w) {
      TempDir d("faultline-e2e-raft");
      TestSpec s = raft_spec(w, d.path / "store");
      s.seed = seed_with_every_kind(s.nemesis, 100 * (i + 1));
      RunOutcome o = run_quiet(s);
      INFO("workload " << w << ", seed " << s.seed << ", run " << o.run_dir);
      INFO(o.results.dump(2).substr(0, 6000));
      check_valid_run(o);
      // Enough work got through despite the faults.
      CHECK(o.results["stats"]["ok"].get<int64_t>() >= 40);
      // Both kinds of fault were really applied.
      auto faults = fault_starts(o.run_dir);
      CHECK(faults["start-partition"].size() >= 1);
      CHECK(faults["start-kill"].size() >= 1);
      for (const auto& v : faults["start-kill"]) CHECK(fault_nodes(v).size() == 1);  // the leader
      // A failed run's store goes away with the temp dir; FAULTLINE_KEEP_E2E=1 keeps it.
      const bool good = o.results["valid"] == true && o.exit_code == 0 && o.results["errors"].empty() &&
                        o.results["recovered"] == true && o.results["stats"]["ok"].get<int64_t>() >= 40 &&
                        !faults["start-partition"].empty() && !faults["start-kill"].empty();
      if (!good) WARN("failed run in " << o.run_dir << " (set FAULTLINE_KEEP_E2E=1 to keep it)");
    }
  }
}

TEST_CASE("e2e raft: --bug early-ack with the leader cut off and killed loses an acknowledged write (root)",
          "[needs-root]") {
  // Both faults hit the node leading at the time. Kill alone hardly ever shows the bug on this
  // daemon: the leader persists and sends the entry to its followers in the same step as it
  // acks, so a kill -9 rarely lands in between; cut off from the rest, it acks alone for the
  // whole fault, and the majority's new leader overwrites those entries.
  constexpr int kMaxSeeds = 5;  // detection is probabilistic; bounded
  bool found = false;
  int tries = 0;
  for (uint64_t seed = 1; seed <= kMaxSeeds && !found; ++seed) {
    ++tries;
    TempDir d("faultline-e2e-raft");
    TestSpec s = raft_spec("set", d.path / "store");
    s.bug = "early-ack";
    s.nemesis = {"partition:primaries", "kill:primaries"};
    s.concurrency = 6;
    s.rate = 500;
    s.seed = seed;
    // The deposed leader told to overwrite entries it applied aborts (PROTOCOL.md), so the
    // cluster may not serve fully again: do not wait long for it.
    s.recovery_timeout_s = 3;
    RunOutcome o = run_quiet(s);
    INFO("seed " << seed << ", run " << o.run_dir);
    INFO(o.results.dump(2).substr(0, 4000));
    for (const auto& e : o.results["errors"]) CHECK(e["phase"] == "recovery");
    // The faults hit one node each: the one leading at the time.
    auto faults = fault_starts(o.run_dir);
    REQUIRE(faults["start-partition"].size() + faults["start-kill"].size() >= 1);
    for (const auto& v : faults["start-kill"]) CHECK(fault_nodes(v).size() == 1);
    for (const auto& v : faults["start-partition"]) {
      CHECK(v["effect"]["shape"] == "isolate");
      for (const auto& [node, drops] : v["effect"]["grudge"].items()) CHECK(drops.size() >= 1);
    }
    const Json& wl = o.results["workload"];
    if (wl.value("lost_count", int64_t{0}) > 0) {
      found = true;
      CHECK(o.results["valid"] == false);
      CHECK(o.exit_code == 1);
      REQUIRE_FALSE(wl["lost"].empty());
    }
  }
  INFO("tries: " << tries);
  CHECK(found);
}
