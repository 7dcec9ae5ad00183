// One hand-written history per anomaly class: each is found under its own name and nothing
// stronger is reported.
#include <catch2/catch.hpp>

#include "graphviz_lsan_suppressions.h"

#include "faultline/checker/txn/check_transactional.h"
#include "txn_test_support.h"

using namespace faultline;
using namespace faultline::checker::txn;
using testing::concurrent_txns;
using testing::TxnSpec;

namespace {

const OpType ok = OpType::Ok;
const OpType fail = OpType::Fail;

Json ap(const char* k, int v) { return Json::array({"append", k, v}); }
Json rd(const char* k, std::vector<int> l) { return Json::array({"r", k, l}); }
Json w(const char* k, int v) { return Json::array({"w", k, v}); }
Json rr(const char* k, Json v) { return Json::array({"r", k, v}); }

Json types_of(const History& h, TxnModel model = TxnModel::ListAppend,
              const std::string& consistency = "serializable") {
  TxnCheckOptions o;
  o.model = model;
  o.consistency = consistency;
  const CheckResult r = check_transactional(h, o);
  UNSCOPED_INFO(r.to_json().dump(1));
  return r.witness["anomaly_types"];
}

}  // namespace

TEST_CASE("list-append G0: write cycle", "[txn]") {
  auto h = concurrent_txns({{0, ok, {ap("x", 1), ap("y", 2)}},
                            {1, ok, {ap("x", 2), ap("y", 1)}},
                            {2, ok, {rd("x", {1, 2}), rd("y", {1, 2})}}});
  CHECK(types_of(h) == Json::array({"G0"}));
}

TEST_CASE("list-append G1c: circular information flow", "[txn]") {
  auto h = concurrent_txns({{0, ok, {ap("x", 1), rd("y", {1})}},
                            {1, ok, {ap("y", 1), rd("x", {1})}}});
  CHECK(types_of(h) == Json::array({"G1c"}));
}

TEST_CASE("list-append G-single: read skew", "[txn]") {
  auto h = concurrent_txns({{0, ok, {ap("x", 1), ap("y", 1)}},
                            {1, ok, {rd("x", {}), rd("y", {1})}},
                            {2, ok, {rd("x", {1})}}});
  CHECK(types_of(h) == Json::array({"G-single"}));
}

TEST_CASE("list-append G-nonadjacent", "[txn]") {
  auto h = concurrent_txns({{0, ok, {rd("x", {}), rd("w", {1})}},
                            {1, ok, {ap("x", 1), ap("y", 1)}},
                            {2, ok, {rd("y", {1}), rd("z", {})}},
                            {3, ok, {ap("z", 1), ap("w", 1)}},
                            {4, ok, {rd("x", {1}), rd("z", {1})}}});
  CHECK(types_of(h) == Json::array({"G-nonadjacent"}));
}

TEST_CASE("list-append G2-item: write skew", "[txn]") {
  auto h = concurrent_txns({{0, ok, {rd("x", {}), rd("y", {}), ap("x", 1)}},
                            {1, ok, {rd("x", {}), rd("y", {}), ap("y", 1)}},
                            {2, ok, {rd("x", {1}), rd("y", {1})}}});
  CHECK(types_of(h) == Json::array({"G2-item"}));
  // Snapshot isolation allows write skew.
  TxnCheckOptions o;
  o.consistency = "snapshot-isolation";
  CHECK(check_transactional(h, o).verdict == Verdict::Valid);
  o.consistency = "repeatable-read";
  CHECK(check_transactional(h, o).verdict == Verdict::Invalid);
}

TEST_CASE("list-append G1a: aborted read", "[txn]") {
  auto h = concurrent_txns({{0, fail, {ap("x", 1)}}, {1, ok, {rd("x", {1})}}});
  CHECK(types_of(h) == Json::array({"G1a"}));
}

TEST_CASE("list-append G1b: intermediate read", "[txn]") {
  auto h = concurrent_txns({{0, ok, {ap("x", 1), ap("x", 2)}}, {1, ok, {rd("x", {1})}}});
  // As in Elle, T0's append of 2, which no read shows, came after 1: T1 -rw-> T0 -wr-> T1.
  CHECK(types_of(h) == Json::array({"G-single", "G1b"}));
}

TEST_CASE("list-append internal inconsistency", "[txn]") {
  auto h = concurrent_txns({{0, ok, {rd("x", {}), ap("x", 1), rd("x", {})}}});
  CHECK(types_of(h) == Json::array({"internal"}));
}

TEST_CASE("list-append dirty update", "[txn]") {
  auto h = concurrent_txns({{0, fail, {ap("x", 1)}},
                            {1, ok, {ap("x", 2)}},
                            {2, ok, {rd("x", {1, 2})}}});
  CHECK(types_of(h) == Json::array({"G1a", "dirty-update"}));
}

TEST_CASE("list-append lost update", "[txn]") {
  auto h = concurrent_txns({{0, ok, {rd("x", {}), ap("x", 1)}},
                            {1, ok, {rd("x", {}), ap("x", 2)}}});
  // As in Elle, each unobserved append came after both empty reads: also a G2-item cycle.
  CHECK(types_of(h) == Json::array({"G2-item", "lost-update"}));
}

TEST_CASE("list-append duplicate elements", "[txn]") {
  auto h = concurrent_txns({{0, ok, {ap("x", 1)}}, {1, ok, {rd("x", {1, 1})}}});
  CHECK(types_of(h) == Json::array({"duplicate-elements"}));
}

TEST_CASE("list-append garbage read", "[txn]") {
  auto h = concurrent_txns({{0, ok, {ap("x", 1)}}, {1, ok, {rd("x", {7})}}});
  CHECK(types_of(h) == Json::array({"garbage-read"}));
}

TEST_CASE("list-append future read", "[txn]") {
  auto h = concurrent_txns({{0, ok, {rd("x", {1}), ap("x", 1)}}});
  CHECK(types_of(h) == Json::array({"future-read"}));
}

TEST_CASE("list-append incompatible order", "[txn]") {
  auto h = concurrent_txns({{0, ok, {ap("x", 1)}},
                            {1, ok, {ap("x", 2)}},
                            {2, ok, {rd("x", {1, 2})}},
                            {3, ok, {rd("x", {2, 1})}}});
  CHECK(types_of(h) == Json::array({"incompatible-order"}));
}

TEST_CASE("list-append garbage and duplicates in a read that is not the longest", "[txn]") {
  auto h = concurrent_txns({{0, ok, {ap("x", 1), ap("x", 2)}},
                            {1, ok, {rd("x", {1, 2})}},
                            {2, ok, {rd("x", {9})}},
                            {3, ok, {rd("x", {2, 2})}}});
  CHECK(types_of(h) ==
        Json::array({"duplicate-elements", "garbage-read", "incompatible-order"}));
}

TEST_CASE("list-append G-single-process: a session misses its own write", "[txn]") {
  History h;
  // T0 and T2 on process 0, in that order; T1 (process 1) overlaps both and sees x=[1].
  auto txn = [&](int64_t p, OpType t, Json v) {
    Op o;
    o.process = p;
    o.type = t;
    o.f = "txn";
    o.value = std::move(v);
    h.add(o);
  };
  txn(1, OpType::Invoke, {rr("x", nullptr)});
  txn(0, OpType::Invoke, {ap("x", 1)});
  txn(0, ok, {ap("x", 1)});
  txn(0, OpType::Invoke, {rr("x", nullptr)});
  txn(0, ok, {rd("x", {})});
  txn(1, ok, {rd("x", {1})});
  h.pair();
  CHECK(types_of(h, TxnModel::ListAppend, "strong-session-serializable") ==
        Json::array({"G-single-process"}));
}

TEST_CASE("list-append G-single-realtime: stale read across processes", "[txn]") {
  // T0 appends and commits; T1 (another process) starts later and does not see it, and T0's
  // append is later seen by T2, which fixes the version order.
  History h;
  testing::add_txn(h, 0, ok, Json::array({ap("x", 1)}));
  testing::add_txn(h, 1, ok, Json::array({rd("x", {})}));
  testing::add_txn(h, 2, ok, Json::array({rd("x", {1})}));
  h.pair();
  TxnCheckOptions o;
  o.consistency = "strict-serializable";
  const CheckResult r = check_transactional(h, o);
  INFO(r.to_json().dump(1));
  CHECK(r.witness["anomaly_types"] == Json::array({"G-single-realtime"}));
  CHECK(r.verdict == Verdict::Invalid);
}

TEST_CASE("rw-register anomalies", "[txn]") {
  const auto reg = TxnModel::RwRegister;
  SECTION("G1c") {
    auto h = concurrent_txns({{0, ok, {w("x", 1), rr("y", 1)}}, {1, ok, {w("y", 1), rr("x", 1)}}});
    CHECK(types_of(h, reg) == Json::array({"G1c"}));
  }
  SECTION("G-single") {
    auto h = concurrent_txns({{0, ok, {w("x", 1), w("y", 1)}},
                              {1, ok, {rr("x", nullptr), rr("y", 1)}}});
    CHECK(types_of(h, reg) == Json::array({"G-single"}));
  }
  SECTION("G2-item") {
    auto h = concurrent_txns({{0, ok, {rr("x", nullptr), rr("y", nullptr), w("x", 1)}},
                              {1, ok, {rr("x", nullptr), rr("y", nullptr), w("y", 1)}}});
    CHECK(types_of(h, reg) == Json::array({"G2-item"}));
  }
  SECTION("G0 via writes-follow-reads version orders") {
    // T0 read y=2 then wrote y=1: y: 2 < 1. T1 read x=1 then wrote x=2: x: 1 < 2.
    auto h = concurrent_txns({{0, ok, {rr("x", nullptr), w("x", 1), rr("y", 2), w("y", 1)}},
                              {1, ok, {rr("x", 1), w("x", 2), rr("y", nullptr), w("y", 2)}}});
    // The ww cycle is reported as G0; the wr cycle through the same txns is weaker.
    CHECK(types_of(h, reg) == Json::array({"G0"}));
  }
  SECTION("G1a") {
    auto h = concurrent_txns({{0, fail, {w("x", 1)}}, {1, ok, {rr("x", 1)}}});
    CHECK(types_of(h, reg) == Json::array({"G1a"}));
  }
  SECTION("G1b") {
    auto h = concurrent_txns({{0, ok, {w("x", 1), w("x", 2)}}, {1, ok, {rr("x", 1)}}});
    CHECK(types_of(h, reg) == Json::array({"G1b"}));
  }
  SECTION("internal") {
    auto h = concurrent_txns({{0, ok, {w("x", 1), rr("x", 2)}}, {1, ok, {w("x", 2)}}});
    CHECK(types_of(h, reg) == Json::array({"internal"}));
  }
  SECTION("lost update") {
    auto h = concurrent_txns({{0, ok, {rr("x", nullptr), w("x", 1)}},
                              {1, ok, {rr("x", nullptr), w("x", 2)}}});
    const Json t = types_of(h, reg);
    CHECK(std::find(t.begin(), t.end(), "lost-update") != t.end());
  }
  SECTION("garbage read") {
    auto h = concurrent_txns({{0, ok, {rr("x", 5)}}});
    CHECK(types_of(h, reg) == Json::array({"garbage-read"}));
  }
  SECTION("future read") {
    auto h = concurrent_txns({{0, ok, {rr("x", 3), w("x", 3)}}});
    CHECK(types_of(h, reg) == Json::array({"future-read"}));
  }
  SECTION("cyclic versions") {
    auto h = concurrent_txns({{0, ok, {rr("x", 2), w("x", 1)}}, {1, ok, {rr("x", 1), w("x", 2)}}});
    const Json t = types_of(h, reg);
    CHECK(std::find(t.begin(), t.end(), "cyclic-versions") != t.end());
  }
}

TEST_CASE("rw-register sequential-keys orders versions by process", "[txn]") {
  // Process 0 writes x=1, then x=2 and y=2 in a second txn; process 1 reads y=2 but x=1.
  // Only with sequential keys is x: 1 < 2 known, which makes that read skew a G-single cycle
  // (reader -rw-> second writer -wr-> reader).
  History h;
  testing::add_txn(h, 0, ok, Json::array({w("x", 1)}));
  testing::add_txn(h, 0, ok, Json::array({w("x", 2), w("y", 2)}));
  testing::add_txn(h, 1, ok, Json::array({rr("y", 2), rr("x", 1)}));
  h.pair();
  TxnCheckOptions o;
  o.model = TxnModel::RwRegister;
  o.realtime_edges = false;
  o.process_edges = false;
  CHECK(check_transactional(h, o).witness["anomaly_types"].empty());
  o.sequential_keys = true;
  const CheckResult r = check_transactional(h, o);
  INFO(r.to_json().dump(1));
  CHECK(r.witness["anomaly_types"] == Json::array({"G-single"}));
}

TEST_CASE("rw-register linearizable-keys orders versions by real time", "[txn]") {
  // x=1 then x=2 (with y=2) are written by different processes one after the other; a reader
  // spanning both reads y=2 but x=1. Only linearizable keys give x: 1 < 2 (G-single then).
  History h;
  auto op = [&](int64_t p, OpType t, Json v) {
    Op o;
    o.process = p;
    o.type = t;
    o.f = "txn";
    o.value = std::move(v);
    h.add(o);
  };
  op(2, OpType::Invoke, Json::array({rr("y", nullptr), rr("x", nullptr)}));
  op(0, OpType::Invoke, Json::array({w("x", 1)}));
  op(0, ok, Json::array({w("x", 1)}));
  op(1, OpType::Invoke, Json::array({w("x", 2), w("y", 2)}));
  op(1, ok, Json::array({w("x", 2), w("y", 2)}));
  op(2, ok, Json::array({rr("y", 2), rr("x", 1)}));
  h.pair();
  TxnCheckOptions o;
  o.model = TxnModel::RwRegister;
  o.realtime_edges = false;
  o.process_edges = false;
  o.sequential_keys = true;
  CHECK(check_transactional(h, o).witness["anomaly_types"].empty());
  o.linearizable_keys = true;
  const CheckResult r = check_transactional(h, o);
  INFO(r.to_json().dump(1));
  CHECK(r.witness["anomaly_types"] == Json::array({"G-single"}));

  // A read of x=1 that starts after x=2 committed contradicts linearizable keys outright.
  History stale;
  testing::add_txn(stale, 0, ok, Json::array({w("x", 1)}));
  testing::add_txn(stale, 1, ok, Json::array({w("x", 2)}));
  testing::add_txn(stale, 2, ok, Json::array({rr("x", 1)}));
  stale.pair();
  const Json t = check_transactional(stale, o).witness["anomaly_types"];
  CHECK(std::find(t.begin(), t.end(), "cyclic-versions") != t.end());
}

TEST_CASE("model boundary names violated and strongest possible models", "[txn]") {
  auto h = concurrent_txns({{0, ok, {ap("x", 1), ap("y", 1)}},
                            {1, ok, {rd("x", {}), rd("y", {1})}},
                            {2, ok, {rd("x", {1})}}});
  TxnCheckOptions o;
  const CheckResult r = check_transactional(h, o);
  CHECK(r.witness["not"] == Json::array({"repeatable-read", "snapshot-isolation"}));
  CHECK(r.witness["strongest_possible"] == Json::array({"monotonic-atomic-view"}));
  o.consistency = "read-committed";
  CHECK(check_transactional(h, o).verdict == Verdict::Valid);
  o.consistency = "no-such-model";
  CHECK_THROWS_AS(check_transactional(h, o), std::invalid_argument);
}

TEST_CASE("explanations name the txns and why each edge holds", "[txn]") {
  auto h = concurrent_txns({{0, ok, {ap("x", 1), rd("y", {1})}},
                            {1, ok, {ap("y", 1), rd("x", {1})}}});
  TxnCheckOptions o;
  const CheckResult r = check_transactional(h, o);
  REQUIRE(r.anomalies.size() == 1);
  const std::string text = r.anomalies[0]["explanation"];
  INFO(text);
  CHECK(text.find("T1 read x=[1], which includes T0's append of 1") != std::string::npos);
  CHECK(text.find("T0 read y=[1], which includes T1's append of 1") != std::string::npos);
  CHECK(r.anomalies[0]["steps"].size() == 2);
  CHECK(r.anomalies[0]["svg"].get<std::string>().find("</svg>") != std::string::npos);
}

TEST_CASE("an exhausted cycle-search budget gives unknown with a reason", "[txn]") {
  auto h = concurrent_txns({{0, ok, {rd("x", {}), rd("y", {}), ap("x", 1)}},
                            {1, ok, {rd("x", {}), rd("y", {}), ap("y", 1)}},
                            {2, ok, {rd("x", {1}), rd("y", {1})}}});
  TxnCheckOptions o;
  o.cycle_search_budget = 0;
  const CheckResult r = check_transactional(h, o);
  CHECK(r.verdict == Verdict::Unknown);
  CHECK(r.reason.find("budget") != std::string::npos);
}

TEST_CASE("list-append G0-realtime: version order against real time", "[txn]") {
  // T0 appends 2 and commits; T2 starts later and appends 1; a reader sees [1 2].
  History h;
  testing::add_txn(h, 0, ok, Json::array({ap("x", 2)}));
  testing::add_txn(h, 1, ok, Json::array({ap("x", 1)}));
  testing::add_txn(h, 2, ok, Json::array({rd("x", {1, 2})}));
  h.pair();
  TxnCheckOptions o;
  o.consistency = "strict-serializable";
  const CheckResult r = check_transactional(h, o);
  INFO(r.to_json().dump(1));
  CHECK(r.witness["anomaly_types"] == Json::array({"G0-realtime"}));
  CHECK(r.witness["not"] == Json::array({"strict-serializable"}));
}

TEST_CASE("list-append G1c-process: a session reads from the future of its own writes", "[txn]") {
  // Process 0 runs T-a (reads y=[1]) then T-b (appends x 1); process 1's txn, overlapping
  // both, appends y 1 after reading x=[1]: T-a -process-> T-b -wr-> T1 -wr-> T-a.
  History h;
  auto op = [&](int64_t p, OpType t, Json v) {
    Op o;
    o.process = p;
    o.type = t;
    o.f = "txn";
    o.value = std::move(v);
    h.add(o);
  };
  op(1, OpType::Invoke, Json::array({rr("x", nullptr), ap("y", 1)}));
  op(0, OpType::Invoke, Json::array({rr("y", nullptr)}));
  op(0, ok, Json::array({rd("y", {1})}));
  op(0, OpType::Invoke, Json::array({ap("x", 1)}));
  op(0, ok, Json::array({ap("x", 1)}));
  op(1, ok, Json::array({rd("x", {1}), ap("y", 1)}));
  h.pair();
  TxnCheckOptions o;
  o.consistency = "strong-session-serializable";
  const CheckResult r = check_transactional(h, o);
  INFO(r.to_json().dump(1));
  CHECK(r.witness["anomaly_types"] == Json::array({"G1c-process"}));
  CHECK(r.verdict == Verdict::Invalid);
  o.consistency = "serializable";
  CHECK(check_transactional(h, o).verdict == Verdict::Valid);
}
