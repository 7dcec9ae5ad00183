// One history per bad pattern of Bouajjani et al. (POPL 2017), each reported under its own
// name and nothing stronger, plus the session guarantees and a random causally consistent
// (sequential) store that must pass everything.
#include <catch2/catch.hpp>

#include <random>

#include "causal_test_support.h"
#include "faultline/checker/causal/check_causal.h"

using namespace faultline;
using namespace faultline::checker::causal;
using testing::register_history;

namespace {

const Json nil = nullptr;

CheckResult run(const History& h, CausalModel m) {
  CausalOptions o;
  o.model = m;
  return check_causal(h, o);
}

Json patterns(const History& h, CausalModel m = CausalModel::CC) {
  const CheckResult r = run(h, m);
  UNSCOPED_INFO(r.to_json().dump(1));
  return r.witness["patterns"];
}

Json violated_guarantees(const History& h) {
  const CheckResult r = check_session_guarantees(h, SessionOptions{});
  UNSCOPED_INFO(r.to_json().dump(1));
  return r.witness["violated"];
}

}  // namespace

TEST_CASE("ThinAirRead", "[causal]") {
  auto h = register_history({{0, 'r', "x", 5}});
  CHECK(patterns(h) == Json::array({"ThinAirRead"}));
  CHECK(run(h, CausalModel::CC).verdict == Verdict::Invalid);
}

TEST_CASE("CyclicCO", "[causal]") {
  auto h = register_history({{0, 'r', "x", 1}, {0, 'w', "y", 1},
                             {1, 'r', "y", 1}, {1, 'w', "x", 1}});
  CHECK(patterns(h) == Json::array({"CyclicCO"}));
  const CheckResult r = run(h, CausalModel::CC);
  REQUIRE(r.anomalies.size() == 1);
  CHECK(r.anomalies[0]["ops"].size() == 4);
}

TEST_CASE("WriteCOInitRead", "[causal]") {
  // Process 1 sees y=1, written after x=1, then reads x as never written.
  auto h = register_history({{0, 'w', "x", 1}, {0, 'w', "y", 1}, {1, 'r', "y", 1},
                             {1, 'r', "x", nil}});
  CHECK(patterns(h) == Json::array({"WriteCOInitRead"}));
}

TEST_CASE("WriteCORead", "[causal]") {
  auto h = register_history({{0, 'w', "x", 1}, {0, 'w', "x", 2},
                             {1, 'r', "x", 2}, {1, 'r', "x", 1}});
  CHECK(patterns(h) == Json::array({"WriteCORead"}));
  CHECK(run(h, CausalModel::CC).witness["not"] == Json::array({"causal"}));
}

TEST_CASE("WriteHBInitRead: causal and convergent, not causal memory", "[causal]") {
  auto h = register_history({{0, 'w', "z", 1}, {0, 'w', "x", 1}, {0, 'w', "y", 1},
                             {1, 'w', "x", 2}, {1, 'r', "z", nil}, {1, 'r', "y", 1},
                             {1, 'r', "x", 2}});
  CHECK(patterns(h, CausalModel::CM) == Json::array({"WriteHBInitRead"}));
  CHECK(run(h, CausalModel::CC).verdict == Verdict::Valid);
  CHECK(run(h, CausalModel::CCv).verdict == Verdict::Valid);
  const CheckResult cm = run(h, CausalModel::CM);
  CHECK(cm.verdict == Verdict::Invalid);
  CHECK(cm.witness["not"] == Json::array({"causal-memory"}));
}

TEST_CASE("CyclicHB: causal, not causal memory", "[causal]") {
  // Process 2 sees the writes of 0 and 1 in orders that force y=1 both before and after y=2.
  auto h = register_history({{0, 'w', "x", 2}, {0, 'w', "y", 2},
                             {1, 'w', "y", 1}, {1, 'w', "x", 1},
                             {2, 'r', "x", 1}, {2, 'r', "y", 2}, {2, 'r', "x", 2},
                             {2, 'r', "y", 1}});
  CHECK(run(h, CausalModel::CC).verdict == Verdict::Valid);
  const CheckResult cm = run(h, CausalModel::CM);
  INFO(cm.to_json().dump(1));
  CHECK(cm.verdict == Verdict::Invalid);
  CHECK(cm.witness["pattern_counts"].contains("CyclicHB"));
  CHECK_FALSE(cm.witness["pattern_counts"].contains("WriteHBInitRead"));
}

TEST_CASE("CyclicCF: causal memory, not convergent", "[causal]") {
  auto h = register_history({{0, 'w', "x", 1}, {1, 'w', "x", 2},
                             {0, 'r', "x", 2}, {1, 'r', "x", 1}});
  CHECK(patterns(h, CausalModel::CCv) == Json::array({"CyclicCF"}));
  CHECK(run(h, CausalModel::CC).verdict == Verdict::Valid);
  CHECK(run(h, CausalModel::CM).verdict == Verdict::Valid);
  CHECK(run(h, CausalModel::CCv).verdict == Verdict::Invalid);
}

TEST_CASE("session guarantees, one violation each", "[causal]") {
  SECTION("read-your-writes") {
    auto h = register_history({{0, 'w', "x", 1}, {0, 'r', "x", nil}});
    CHECK(violated_guarantees(h) == Json::array({"read-your-writes"}));
  }
  SECTION("monotonic-reads") {
    auto h = register_history({{0, 'w', "x", 1}, {0, 'w', "x", 2},
                               {1, 'r', "x", 2}, {1, 'r', "x", 1}});
    CHECK(violated_guarantees(h) == Json::array({"monotonic-reads"}));
  }
  SECTION("monotonic-writes") {
    auto h = register_history({{0, 'w', "x", 1}, {0, 'w', "y", 1},
                               {1, 'r', "y", 1}, {1, 'r', "x", nil}});
    CHECK(violated_guarantees(h) == Json::array({"monotonic-writes"}));
  }
  SECTION("writes-follow-reads") {
    auto h = register_history({{0, 'w', "x", 1}, {1, 'r', "x", 1}, {1, 'w', "y", 1},
                               {2, 'r', "y", 1}, {2, 'r', "x", nil}});
    CHECK(violated_guarantees(h) == Json::array({"writes-follow-reads"}));
  }
}

TEST_CASE("random sequentially consistent stores satisfy every causal model", "[causal][property]") {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 rng(seed);
    std::map<std::string, int> store;
    std::vector<testing::RegOp> ops;
    int next = 0;
    for (int i = 0; i < 200; ++i) {
      const int64_t p = static_cast<int64_t>(rng() % 5);
      const std::string k = "k" + std::to_string(rng() % 4);
      if (rng() % 2) {
        store[k] = ++next;
        ops.push_back({p, 'w', k, next});
      } else {
        auto it = store.find(k);
        ops.push_back({p, 'r', k, it == store.end() ? Json(nullptr) : Json(it->second)});
      }
    }
    const History h = register_history(ops);
    INFO("seed " << seed);
    for (auto m : {CausalModel::CC, CausalModel::CM, CausalModel::CCv}) {
      const CheckResult r = run(h, m);
      INFO(r.to_json().dump(1));
      REQUIRE(r.verdict == Verdict::Valid);
    }
    // The arbitration order of a sequential store is consistent with session order.
    const Json order = run(h, CausalModel::CCv).witness["arbitration_order"];
    REQUIRE(order.size() == ops.size());
    std::map<int64_t, int64_t> last_pos_of_process;
    std::map<int64_t, size_t> rank;
    for (size_t i = 0; i < order.size(); ++i) rank[order[i].get<int64_t>()] = i;
    for (size_t i = 0; i < h.size(); i += 2) {
      auto it = last_pos_of_process.find(h[i].process);
      if (it != last_pos_of_process.end()) REQUIRE(rank.at(it->second) < rank.at(h[i].index));
      last_pos_of_process[h[i].process] = h[i].index;
    }
    REQUIRE(check_session_guarantees(h, SessionOptions{}).verdict == Verdict::Valid);
  }
}

TEST_CASE("non-unique written values make the verdict unknown", "[causal]") {
  auto h = register_history({{0, 'w', "x", 1}, {1, 'w', "x", 1}, {2, 'r', "x", 1}});
  const CheckResult r = run(h, CausalModel::CC);
  CHECK(r.verdict == Verdict::Unknown);
  CHECK(r.reason.find("unique") != std::string::npos);
}
