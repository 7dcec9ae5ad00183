// The CLI-facing dispatch from (model, consistency) strings to the right checker.
#include <catch2/catch.hpp>

#include "graphviz_lsan_suppressions.h"

#include "causal_test_support.h"
#include "faultline/checker/txn_causal_entry.h"
#include "txn_test_support.h"

using namespace faultline;

TEST_CASE("check_txn_or_causal dispatches by model and consistency", "[txn][causal]") {
  auto txns = testing::concurrent_txns(
      {{0, OpType::Ok, Json::array({Json::array({"append", "x", 1}), Json::array({"r", "y", Json::array({1})})})},
       {1, OpType::Ok, Json::array({Json::array({"append", "y", 1}), Json::array({"r", "x", Json::array({1})})})}});
  auto r = checker::check_txn_or_causal(txns, "list-append", "read-committed");
  REQUIRE(r);
  CHECK(r->verdict == Verdict::Invalid);
  CHECK(r->witness["anomaly_types"] == Json::array({"G1c"}));
  CHECK(checker::check_txn_or_causal(txns, "list-append", "")->verdict == Verdict::Invalid);

  auto reg = testing::register_history({{0, 'w', "x", 1}, {0, 'r', "x", nullptr}});
  auto c = checker::check_txn_or_causal(reg, "", "causal");
  REQUIRE(c);
  CHECK(c->verdict == Verdict::Invalid);
  auto s = checker::check_txn_or_causal(reg, "register", "read-your-writes");
  REQUIRE(s);
  CHECK(s->witness["violated"] == Json::array({"read-your-writes"}));
  CHECK(checker::check_txn_or_causal(reg, "cas-register", "") == std::nullopt);
  CHECK_THROWS_AS(checker::check_txn_or_causal(txns, "list-append", "causal"),
                  std::invalid_argument);
  CHECK_THROWS_AS(checker::check_txn_or_causal(txns, "list-append", "serialisable"),
                  std::invalid_argument);
}
