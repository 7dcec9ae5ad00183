// The fast path (time-sliced partitions, can_reach pruning) against the previous search
// (ConsistencyOptions::prune = false) on generated high-concurrency kv histories with known
// verdicts: valid by construction, and the same histories with one planted stale read or lost
// append (bench/checker_history_gen.h), which must be invalid. And the budgets: a history that
// is hard for any exact search ends `unknown` under a time limit or a small memory limit, with
// its partial result (how far each partition got). Tests assert outcomes, never elapsed times.
#include <catch2/catch.hpp>

#include "checker_history_gen.h"
#include "linearizability_test_util.h"

using namespace faultline;
using namespace faultline::checker;

namespace {

CheckResult check(const History& h, bool prune, bool all_partitions = false) {
  auto model = make_model("kv");
  ConsistencyOptions o;
  o.prune = prune;
  o.all_partitions = all_partitions;
  // The fast path takes milliseconds; the previous search can take minutes on some of these
  // (that is why it was replaced), so it gets a budget and may answer unknown — never the
  // opposite verdict.
  o.time_limit_s = prune ? 60 : 5;
  return check_linearizable(h, *model, o);
}

bench::GenSpec spec_for(uint64_t seed, bench::PlantedBug plant, int plant_keys) {
  bench::GenSpec spec;
  spec.workload = bench::GeneratedWorkload::KvAppendGet;
  spec.ops = 200;
  spec.clients = 50;
  spec.keys = 4;
  spec.seed = seed;
  // No crashed clients here: crashed appends make the previous search exponential (the oracle
  // tests cover info ops and crashes on small histories).
  spec.info_percent = 0;
  spec.plant = plant;
  spec.plant_keys = plant_keys;
  return spec;
}

}  // namespace

TEST_CASE("fast path and previous search agree on 50-client kv histories") {
  auto model = make_model("kv");
  int decided = 0;   // histories the previous search decided within its budget
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    INFO("seed " << seed);
    bench::Generated valid = bench::generate(spec_for(seed, bench::PlantedBug::None, 0));
    valid.history.pair();
    const CheckResult fast = check(valid.history, true);
    const CheckResult previous = check(valid.history, false);
    REQUIRE(fast.stats["checked_ops"].get<int64_t>() > 150);
    REQUIRE(fast.verdict == Verdict::Valid);
    REQUIRE(previous.verdict != Verdict::Invalid);
    decided += previous.verdict == Verdict::Valid;
    const WitnessVerdict w = verify_witness(valid.history, *model, fast.witness,
                                            Consistency::Linearizable);
    INFO(w.error);
    CHECK(w.ok);

    for (auto plant : {bench::PlantedBug::StaleRead, bench::PlantedBug::LostAppend}) {
      for (int keys : {1, 3}) {
        INFO("plant " << static_cast<int>(plant) << " on " << keys << " keys");
        bench::Generated bad = bench::generate(spec_for(seed, plant, keys));
        REQUIRE(bad.planted == keys);
        bad.history.pair();
        const CheckResult f = check(bad.history, true);
        const CheckResult p = check(bad.history, false);
        CHECK(f.verdict == Verdict::Invalid);
        CHECK(p.verdict != Verdict::Valid);
        decided += p.verdict == Verdict::Invalid;
        // Every planted key is found when all partitions are searched.
        const CheckResult all = check(bad.history, true, true);
        REQUIRE(all.verdict == Verdict::Invalid);
        CHECK(all.witness["invalid_partitions"].size() == static_cast<size_t>(keys));
      }
    }
  }
  CHECK(decided >= 6);   // of 15: the comparison must actually happen
}

TEST_CASE("time limit: a hard history answers unknown with its partial result") {
  History h = bench::hard_register_history(48);
  h.pair();
  auto model = make_model("cas-register");
  ConsistencyOptions o;
  o.time_limit_s = 1;
  const CheckResult r = check_linearizable(h, *model, o);
  REQUIRE(r.verdict == Verdict::Unknown);
  CHECK(r.reason.find("time limit") != std::string::npos);
  REQUIRE(r.witness.contains("partitions"));
  const Json& part = r.witness["partitions"][0];
  CHECK(part["verdict"] == "unknown");
  CHECK(part["max_linearized"].get<int64_t>() > 0);
  CHECK(part["order"].size() == part["max_linearized"].get<size_t>());
  CHECK(r.stats["steps"].get<int64_t>() > 0);
}

TEST_CASE("memory limit: a hard history answers unknown with its partial result") {
  History h = bench::hard_register_history(48);
  h.pair();
  auto model = make_model("cas-register");
  ConsistencyOptions o;
  o.memory_limit_bytes = 4 << 20;
  o.time_limit_s = 120;   // safety net: the memory limit comes first
  const CheckResult r = check_linearizable(h, *model, o);
  REQUIRE(r.verdict == Verdict::Unknown);
  CHECK(r.reason.find("memory limit") != std::string::npos);
  CHECK(r.witness["partitions"][0]["max_linearized"].get<int64_t>() > 0);
  CHECK(r.stats["memo_bytes"].get<uint64_t>() <= (4u << 20));
}

TEST_CASE("memory limit counts the model's state tables") {
  // One kv key appended to by 24 crashed clients, then a read of a value no order produces:
  // every order of every subset of the appends is a new string state of the kv machine. With
  // pruning off (the previous search) the search enumerates them until the budget, which
  // counts the machine's tables beside the memo, stops it.
  testing::HistoryBuilder b;
  for (int c = 0; c < 24; ++c) b.invoke(c, "append", "s" + std::to_string(c), "k");
  for (int c = 0; c < 24; ++c) b.info(c, "append", "s" + std::to_string(c), "k");
  b.invoke(99, "get", nullptr, "k").ok(99, "get", "never", "k");
  const History h = b.build();
  auto model = make_model("kv");
  ConsistencyOptions o;
  o.prune = false;
  o.memory_limit_bytes = 8 << 20;
  o.time_limit_s = 120;
  const CheckResult r = check_linearizable(h, *model, o);
  REQUIRE(r.verdict == Verdict::Unknown);
  CHECK(r.reason.find("memory limit") != std::string::npos);
  CHECK(r.stats["model_state_bytes"].get<uint64_t>() > 0);
  // Polled every few hundred steps: within 10% of the limit.
  CHECK(r.stats["memo_bytes"].get<uint64_t>() + r.stats["model_state_bytes"].get<uint64_t>() <=
        (8u << 20) * 11 / 10);
  // With pruning the impossible read is seen at once.
  o.prune = true;
  CHECK(check_linearizable(h, *model, o).verdict == Verdict::Invalid);
}
