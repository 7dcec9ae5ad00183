// Hand-written histories for the register, cas-register, kv and multi-register models through
// the linearizability and sequential-consistency checkers. Every valid verdict's witness is
// re-checked by the independent verifier (check_and_verify).
#include <catch2/catch.hpp>

#include "linearizability_test_util.h"

using namespace faultline;
using namespace faultline::checker;
using namespace faultline::checker::testing;

namespace {
constexpr auto kLin = Consistency::Linearizable;
constexpr auto kSeq = Consistency::Sequential;
}  // namespace

TEST_CASE("register: sequential reads see the last write") {
  HistoryBuilder b;
  b.invoke(0, "write", 1).ok(0, "write", 1).invoke(1, "read").ok(1, "read", 1);
  CHECK(check_and_verify(b.build(), "register") == Verdict::Valid);
  HistoryBuilder bad;
  bad.invoke(0, "write", 1).ok(0, "write", 1).invoke(1, "read").ok(1, "read", 2);
  CHECK(check_and_verify(bad.build(), "register") == Verdict::Invalid);
}

TEST_CASE("register: empty history and nemesis-only history are valid") {
  HistoryBuilder b;
  CHECK(check_and_verify(b.build(), "register") == Verdict::Valid);
  b.add(kNemesisProcess, OpType::Invoke, "start-partition", nullptr);
  b.add(kNemesisProcess, OpType::Info, "start-partition", "majority");
  CHECK(check_and_verify(b.build(), "register") == Verdict::Valid);
}

TEST_CASE("register: concurrent read may see either value") {
  for (Json seen : {Json(nullptr), Json(1)}) {
    HistoryBuilder b;
    b.invoke(0, "write", 1).invoke(1, "read").ok(1, "read", seen).ok(0, "write", 1);
    CHECK(check_and_verify(b.build(), "register") == Verdict::Valid);
  }
}

TEST_CASE("register: stale read is sequentially consistent but not linearizable") {
  HistoryBuilder b;
  b.invoke(0, "write", 1).ok(0, "write", 1);
  b.invoke(1, "write", 2).ok(1, "write", 2);
  b.invoke(2, "read").ok(2, "read", 1);
  const History h = b.build();
  CheckResult r;
  CHECK(check_and_verify(h, "register", kLin, {}, &r) == Verdict::Invalid);
  CHECK(r.anomalies.size() == 1);
  CHECK(r.witness["op"] == 4);  // the read cannot be placed
  CHECK(r.witness["max_linearized"] == 2);
  CHECK(check_and_verify(h, "register", kSeq) == Verdict::Valid);
}

TEST_CASE("register: sequential consistency keeps program order") {
  HistoryBuilder b;  // one process writes 1 then 2, another reads 2 then 1
  b.invoke(0, "write", 1).ok(0, "write", 1).invoke(0, "write", 2).ok(0, "write", 2);
  b.invoke(1, "read").ok(1, "read", 2).invoke(1, "read").ok(1, "read", 1);
  CHECK(check_and_verify(b.build(), "register", kSeq) == Verdict::Invalid);
  CHECK(check_and_verify(b.build(), "register", kLin) == Verdict::Invalid);
}

TEST_CASE("register: info op may take effect later or never") {
  HistoryBuilder later;
  later.invoke(0, "write", 1).info(0, "write", 1);
  later.invoke(1, "read").ok(1, "read", nullptr).invoke(1, "read").ok(1, "read", 1);
  CHECK(check_and_verify(later.build(), "register") == Verdict::Valid);

  HistoryBuilder never;
  never.invoke(0, "write", 1).info(0, "write", 1);
  never.invoke(1, "read").ok(1, "read", nullptr);
  CheckResult r;
  CHECK(check_and_verify(never.build(), "register", kLin, {}, &r) == Verdict::Valid);
  CHECK(r.witness["partitions"][0]["omitted"] == Json::array({0}));

  HistoryBuilder twice;  // an info write happens at most once
  twice.invoke(0, "write", 1).info(0, "write", 1);
  twice.invoke(1, "read").ok(1, "read", 1).invoke(1, "read").ok(1, "read", nullptr);
  twice.invoke(1, "read").ok(1, "read", 1);
  CHECK(check_and_verify(twice.build(), "register") == Verdict::Invalid);

  HistoryBuilder pending;  // no completion at all: same as info
  pending.invoke(0, "write", 1).invoke(1, "read").ok(1, "read", 1);
  CHECK(check_and_verify(pending.build(), "register") == Verdict::Valid);
}

TEST_CASE("register: info op cannot take effect before its invocation") {
  HistoryBuilder b;
  b.invoke(1, "read").ok(1, "read", 1);
  b.invoke(0, "write", 1).info(0, "write", 1);
  CHECK(check_and_verify(b.build(), "register") == Verdict::Invalid);
}

TEST_CASE("register: fail op never takes effect; unknown reads constrain nothing") {
  HistoryBuilder b;
  b.invoke(0, "write", 1).fail(0, "write", 1).invoke(1, "read").ok(1, "read", 1);
  CHECK(check_and_verify(b.build(), "register") == Verdict::Invalid);
  HistoryBuilder r;
  r.invoke(0, "write", 1).ok(0, "write", 1).invoke(1, "read").info(1, "read", nullptr);
  r.invoke(2, "read").fail(2, "read", nullptr);
  CheckResult res;
  CHECK(check_and_verify(r.build(), "register", kLin, {}, &res) == Verdict::Valid);
  CHECK(res.stats["dropped_fail_ops"] == 1);
  CHECK(res.stats["dropped_unknown_ops"] == 1);
}

TEST_CASE("register: process reused after info is a fresh logical process") {
  HistoryBuilder b;  // p0's info write, then p0 (fresh) reads nil: the write may come later
  b.invoke(0, "write", 1).info(0, "write", 1).invoke(0, "read").ok(0, "read", nullptr);
  b.invoke(1, "read").ok(1, "read", 1);
  CHECK(check_and_verify(b.build(), "register", kSeq) == Verdict::Valid);
  CHECK(check_and_verify(b.build(), "register", kLin) == Verdict::Valid);
}

TEST_CASE("cas-register: cas succeeds only on the expected value") {
  HistoryBuilder b;
  b.invoke(0, "write", 1).ok(0, "write", 1).invoke(0, "cas", Json::array({1, 2}));
  b.ok(0, "cas", Json::array({1, 2})).invoke(1, "read").ok(1, "read", 2);
  CHECK(check_and_verify(b.build(), "cas-register") == Verdict::Valid);
  HistoryBuilder bad;
  bad.invoke(0, "write", 0).ok(0, "write", 0).invoke(0, "cas", Json::array({1, 2}));
  bad.ok(0, "cas", Json::array({1, 2}));
  CHECK(check_and_verify(bad.build(), "cas-register") == Verdict::Invalid);
  HistoryBuilder failed;  // a failed cas did not happen
  failed.invoke(0, "write", 1).ok(0, "write", 1).invoke(0, "cas", Json::array({1, 2}));
  failed.fail(0, "cas", Json::array({1, 2})).invoke(1, "read").ok(1, "read", 1);
  CHECK(check_and_verify(failed.build(), "cas-register") == Verdict::Valid);
  HistoryBuilder info;  // an info cas may have happened
  info.invoke(0, "write", 1).ok(0, "write", 1).invoke(0, "cas", Json::array({1, 2}));
  info.info(0, "cas", Json::array({1, 2})).invoke(1, "read").ok(1, "read", 2);
  info.invoke(1, "read").ok(1, "read", 2);
  CHECK(check_and_verify(info.build(), "cas-register") == Verdict::Valid);
  HistoryBuilder unknown_cas;  // ... but only if the register held its expected value
  unknown_cas.invoke(0, "cas", Json::array({1, 2})).info(0, "cas", Json::array({1, 2}));
  unknown_cas.invoke(1, "read").ok(1, "read", 2);
  CHECK(check_and_verify(unknown_cas.build(), "cas-register") == Verdict::Invalid);
}

TEST_CASE("register models split ops by key") {
  HistoryBuilder b;
  b.invoke(0, "write", 1, "x").ok(0, "write", 1, "x");
  b.invoke(1, "write", 2, "y").ok(1, "write", 2, "y");
  b.invoke(2, "read", nullptr, "x").ok(2, "read", 1, "x");
  CheckResult r;
  CHECK(check_and_verify(b.build(), "cas-register", kLin, {}, &r) == Verdict::Valid);
  CHECK(r.stats["partitions"] == 2);
}

TEST_CASE("kv: per-key get/put/append/cas") {
  HistoryBuilder b;
  b.invoke(0, "put", "a", "x").ok(0, "put", "a", "x");
  b.invoke(0, "append", "b", "x").ok(0, "append", "b", "x");
  b.invoke(1, "append", "c", "y").ok(1, "append", "c", "y");
  b.invoke(1, "get", nullptr, "x").ok(1, "get", "ab", "x");
  b.invoke(2, "get", nullptr, "y").ok(2, "get", "c", "y");
  b.invoke(2, "get", nullptr, "z").ok(2, "get", "", "z");
  b.invoke(3, "get", nullptr, "w").ok(3, "get", nullptr, "w");
  b.invoke(3, "cas", Json::array({"ab", "q"}), "x").ok(3, "cas", Json::array({"ab", "q"}), "x");
  b.invoke(3, "get", nullptr, "x").ok(3, "get", "q", "x");
  CheckResult r;
  CHECK(check_and_verify(b.build(), "kv", kLin, {}, &r) == Verdict::Valid);
  CHECK(r.stats["partitions"] == 4);

  HistoryBuilder order;  // sequential appends concatenate in real-time order
  order.invoke(0, "append", "a", "k").ok(0, "append", "a", "k");
  order.invoke(1, "append", "b", "k").ok(1, "append", "b", "k");
  order.invoke(2, "get", nullptr, "k").ok(2, "get", "ba", "k");
  CHECK(check_and_verify(order.build(), "kv") == Verdict::Invalid);
  CHECK(check_and_verify(order.build(), "kv", kSeq) == Verdict::Valid);

  HistoryBuilder conc;  // concurrent appends may land in either order
  conc.invoke(0, "append", "a", "k").invoke(1, "append", "b", "k");
  conc.ok(0, "append", "a", "k").ok(1, "append", "b", "k");
  conc.invoke(2, "get", nullptr, "k").ok(2, "get", "ba", "k");
  CHECK(check_and_verify(conc.build(), "kv") == Verdict::Valid);
}

TEST_CASE("kv: sequential consistency is checked over all keys together (Dekker)") {
  // Each key alone has a sequential order, the whole history has none.
  HistoryBuilder b;
  b.invoke(0, "put", "1", "x").ok(0, "put", "1", "x");
  b.invoke(1, "put", "1", "y").ok(1, "put", "1", "y");
  b.invoke(0, "get", nullptr, "y").ok(0, "get", "", "y");
  b.invoke(1, "get", nullptr, "x").ok(1, "get", "", "x");
  CHECK(check_and_verify(b.build(), "kv", kSeq) == Verdict::Invalid);
  HistoryBuilder x, y;
  x.invoke(0, "put", "1", "x").ok(0, "put", "1", "x");
  x.invoke(1, "get", nullptr, "x").ok(1, "get", "", "x");
  y.invoke(1, "put", "1", "y").ok(1, "put", "1", "y");
  y.invoke(0, "get", nullptr, "y").ok(0, "get", "", "y");
  CHECK(check_and_verify(x.build(), "kv", kSeq) == Verdict::Valid);
  CHECK(check_and_verify(y.build(), "kv", kSeq) == Verdict::Valid);
  // Swap one get to see the write: then an order exists.
  HistoryBuilder ok;
  ok.invoke(0, "put", "1", "x").ok(0, "put", "1", "x");
  ok.invoke(1, "put", "1", "y").ok(1, "put", "1", "y");
  ok.invoke(0, "get", nullptr, "y").ok(0, "get", "1", "y");
  ok.invoke(1, "get", nullptr, "x").ok(1, "get", "", "x");
  CHECK(check_and_verify(ok.build(), "kv", kSeq) == Verdict::Valid);
}

TEST_CASE("multi-register: transactions are atomic across keys") {
  auto w = [](int x, int y) {
    return Json::array({Json::array({"write", "x", x}), Json::array({"write", "y", y})});
  };
  auto r = [](Json x, Json y) {
    return Json::array({Json::array({"read", "x", x}), Json::array({"read", "y", y})});
  };
  HistoryBuilder good;
  good.invoke(0, "txn", w(1, 1)).ok(0, "txn", w(1, 1));
  good.invoke(0, "txn", w(2, 2)).ok(0, "txn", w(2, 2));
  good.invoke(1, "txn", r(nullptr, nullptr)).ok(1, "txn", r(2, 2));
  CHECK(check_and_verify(good.build(), "multi-register") == Verdict::Valid);

  HistoryBuilder torn;  // per key each read is fine; together they are torn
  torn.invoke(0, "txn", w(1, 1)).invoke(1, "txn", w(2, 2));
  torn.ok(0, "txn", w(1, 1)).ok(1, "txn", w(2, 2));
  torn.invoke(2, "txn", r(nullptr, nullptr)).ok(2, "txn", r(1, 2));
  CHECK(check_and_verify(torn.build(), "multi-register") == Verdict::Invalid);

  HistoryBuilder keywords;  // EDN keywords may keep their colon
  keywords.invoke(0, ":txn", Json::array({Json::array({":write", ":x", 3})}));
  keywords.ok(0, ":txn", Json::array({Json::array({":write", ":x", 3})}));
  keywords.invoke(1, ":txn", Json::array({Json::array({":read", ":x", nullptr})}));
  keywords.ok(1, ":txn", Json::array({Json::array({":read", ":x", 4})}));
  CHECK(check_and_verify(keywords.build(), "multi-register") == Verdict::Invalid);

  HistoryBuilder initial;  // an unwritten register holds one (unknown) initial value
  initial.invoke(0, "txn", r(nullptr, nullptr)).ok(0, "txn", r(0, 0));
  initial.invoke(1, "txn", r(nullptr, nullptr)).ok(1, "txn", r(0, nullptr));
  CHECK(check_and_verify(initial.build(), "multi-register") == Verdict::Valid);
  initial.invoke(1, "txn", r(nullptr, nullptr)).ok(1, "txn", r(0, 5));
  CHECK(check_and_verify(initial.build(), "multi-register") == Verdict::Invalid);
}

TEST_CASE("budgets end in unknown with a reason and progress") {
  // 22 concurrent writes and a read of a value nobody wrote: the search must try every subset.
  HistoryBuilder b;
  for (int p = 0; p < 22; ++p) b.invoke(p, "write", p);
  b.invoke(100, "read");
  for (int p = 0; p < 22; ++p) b.ok(p, "write", p);
  b.ok(100, "read", 999);
  const History h = b.build();
  auto model = make_model("register");
  ConsistencyOptions time;
  time.time_limit_s = 0.05;
  CheckResult r = check_linearizable(h, *model, time);
  CHECK(r.verdict == Verdict::Unknown);
  CHECK(r.reason.find("time limit") != std::string::npos);
  CHECK(r.stats["progress"]["partitions_unknown"] == 1);
  CHECK(r.witness["max_linearized"].get<int64_t>() > 0);

  ConsistencyOptions memory;
  memory.memory_limit_bytes = 256 << 10;
  r = check_linearizable(h, *model, memory);
  CHECK(r.verdict == Verdict::Unknown);
  CHECK(r.reason.find("memory limit") != std::string::npos);
  CHECK(r.to_json()["valid"] == "unknown");
  r = check_sequential(h, *model, memory);
  CHECK(r.verdict == Verdict::Unknown);
}

TEST_CASE("witness verifier rejects tampered witnesses") {
  HistoryBuilder b;
  b.invoke(0, "write", 1).ok(0, "write", 1);
  b.invoke(1, "write", 2).ok(1, "write", 2);
  b.invoke(2, "read").ok(2, "read", 2);
  b.invoke(3, "write", 3).fail(3, "write", 3);
  const History h = b.build();
  auto model = make_model("register");
  CheckResult r = check_linearizable(h, *model);
  REQUIRE(r.verdict == Verdict::Valid);
  CHECK(r.witness["partitions"][0]["order"] == Json::array({0, 2, 4}));
  CHECK(verify_witness(h, *model, r.witness, kLin).ok);

  Json swapped = r.witness;  // real-time order broken
  swapped["partitions"][0]["order"] = Json::array({2, 0, 4});
  const WitnessVerdict v1 = verify_witness(h, *model, swapped, kLin);
  CHECK_FALSE(v1.ok);
  CHECK(v1.error.find("returned") != std::string::npos);
  CHECK(verify_witness(h, *model, swapped, kSeq).ok == false);  // model: read 2 after write 1

  Json missing = r.witness;
  missing["partitions"][0]["order"] = Json::array({0, 2});
  CHECK_FALSE(verify_witness(h, *model, missing, kLin).ok);
  Json with_fail = r.witness;
  with_fail["partitions"][0]["order"] = Json::array({0, 2, 6, 4});
  CHECK_FALSE(verify_witness(h, *model, with_fail, kLin).ok);
  Json twice = r.witness;
  twice["partitions"][0]["order"] = Json::array({0, 2, 2, 4});
  CHECK_FALSE(verify_witness(h, *model, twice, kLin).ok);
  Json not_invoke = r.witness;
  not_invoke["partitions"][0]["order"] = Json::array({0, 1, 2, 4});
  CHECK_FALSE(verify_witness(h, *model, not_invoke, kLin).ok);
  CHECK_FALSE(verify_witness(h, *model, Json::object(), kLin).ok);
}
