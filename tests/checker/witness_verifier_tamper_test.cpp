// The witness verifier rejects tampered witnesses: a key split over two partitions, program
// order broken (within one order, and by splitting a sequential witness per key), a wrong read.
// Each tampered witness is built from a real one of the checker (which the verifier accepts, so
// every rejection below is caused by the tampering alone), or certifies a history the checker
// judges invalid, so accepting it would let an invalid history pass as valid.
#include <catch2/catch.hpp>

#include "linearizability_test_util.h"

using namespace faultline;
using namespace faultline::checker;
using checker::testing::HistoryBuilder;

namespace {

constexpr Consistency kLin = Consistency::Linearizable;
constexpr Consistency kSeq = Consistency::Sequential;

Json partition(const Json& key, const Json& order) {
  return {{"key", key}, {"order", order}, {"omitted", Json::array()}};
}

WitnessVerdict verify(const History& h, const Json& witness, Consistency c) {
  auto model = make_model("kv");
  REQUIRE(model);
  const WitnessVerdict v = verify_witness(h, *model, witness, c);
  INFO(witness.dump() << " -> " << (v.ok ? "accepted" : v.error));
  return v;
}

CheckResult check(const History& h, Consistency c) {
  auto model = make_model("kv");
  REQUIRE(model);
  ConsistencyOptions o;
  o.consistency = c;
  return check_consistency(h, *model, o);
}

}  // namespace

TEST_CASE("witness verifier: a key in two partitions is rejected", "[witness]") {
  // put x 1 (positions 0-1) then put x 2 (2-3) then get x -> 1 (4-5): a stale read.
  HistoryBuilder b;
  b.invoke(0, "put", 1, "x").ok(0, "put", 1, "x");
  b.invoke(1, "put", 2, "x").ok(1, "put", 2, "x");
  b.invoke(2, "get", nullptr, "x").ok(2, "get", 1, "x");
  const History stale = b.build();
  REQUIRE(check(stale, kLin).verdict == Verdict::Invalid);
  // Each half replays legally on a fresh machine, and real-time order holds inside each half.
  const Json split = {{"partitions", {partition("x", {0, 4}), partition("x", {2})}}};
  const WitnessVerdict v = verify(stale, split, kLin);
  CHECK_FALSE(v.ok);
  CHECK(v.error.find("twice") != std::string::npos);

  // The same split of a real witness of a valid history is rejected too, though each half
  // replays legally: put x 1, get x -> 1 | put x 2, get x -> 2.
  HistoryBuilder c;
  c.invoke(0, "put", 1, "x").ok(0, "put", 1, "x");
  c.invoke(1, "get", nullptr, "x").ok(1, "get", 1, "x");
  c.invoke(0, "put", 2, "x").ok(0, "put", 2, "x");
  c.invoke(1, "get", nullptr, "x").ok(1, "get", 2, "x");
  const History fine = c.build();
  const CheckResult r = check(fine, kLin);
  REQUIRE(r.verdict == Verdict::Valid);
  REQUIRE(r.witness["partitions"][0]["order"] == Json::array({0, 2, 4, 6}));
  REQUIRE(verify(fine, r.witness, kLin).ok);
  const Json dup = {{"partitions", {partition("x", {0, 2}), partition("x", {4, 6})}}};
  CHECK_FALSE(verify(fine, dup, kLin).ok);
}

TEST_CASE("witness verifier: broken program order is rejected (sequential)", "[witness]") {
  // Store buffering: each process writes its key, then reads the other's as absent. Every key
  // alone is sequential, the whole history is not.
  HistoryBuilder b;
  b.invoke(0, "put", 1, "x").invoke(1, "put", 1, "y");
  b.ok(0, "put", 1, "x").ok(1, "put", 1, "y");
  b.invoke(0, "get", nullptr, "y").invoke(1, "get", nullptr, "x");
  b.ok(0, "get", "", "y").ok(1, "get", "", "x");
  const History sb = b.build();
  REQUIRE(check(sb, kSeq).verdict == Verdict::Invalid);
  // One order per key: each respects program order inside itself and replays legally.
  const Json per_key = {{"partitions", {partition("x", {5, 0}), partition("y", {4, 1})}}};
  CHECK_FALSE(verify(sb, per_key, kSeq).ok);
  // One order that breaks program order: process 1's read placed before its write.
  const Json one = {{"partitions", {partition(nullptr, {5, 4, 0, 1})}}};
  const WitnessVerdict v = verify(sb, one, kSeq);
  CHECK_FALSE(v.ok);
  CHECK(v.error.find("earlier op of its process") != std::string::npos);

  // A real sequential witness, then two adjacent ops of one process swapped.
  HistoryBuilder c;
  c.invoke(0, "put", 1, "x").ok(0, "put", 1, "x");
  c.invoke(0, "put", 2, "y").ok(0, "put", 2, "y");
  c.invoke(1, "get", nullptr, "y").ok(1, "get", 2, "y");
  c.invoke(1, "get", nullptr, "x").ok(1, "get", 1, "x");
  const History fine = c.build();
  const CheckResult r = check(fine, kSeq);
  REQUIRE(r.verdict == Verdict::Valid);
  REQUIRE(r.witness["partitions"].size() == 1);
  REQUIRE(verify(fine, r.witness, kSeq).ok);
  Json order = r.witness["partitions"][0]["order"];
  REQUIRE(order == Json::array({0, 2, 4, 6}));
  Json swapped = r.witness;
  swapped["partitions"][0]["order"] = Json::array({2, 0, 4, 6});
  const WitnessVerdict s = verify(fine, swapped, kSeq);
  CHECK_FALSE(s.ok);
  CHECK(s.error.find("earlier op of its process") != std::string::npos);
}

TEST_CASE("witness verifier: broken real-time order is rejected (linearizable)", "[witness]") {
  HistoryBuilder c;
  c.invoke(0, "put", 1, "x").ok(0, "put", 1, "x");
  c.invoke(1, "put", 2, "x").ok(1, "put", 2, "x");
  const History h = c.build();
  const CheckResult r = check(h, kLin);
  REQUIRE(r.verdict == Verdict::Valid);
  REQUIRE(verify(h, r.witness, kLin).ok);
  Json swapped = r.witness;
  swapped["partitions"][0]["order"] = Json::array({2, 0});
  CHECK_FALSE(verify(h, swapped, kLin).ok);
}

TEST_CASE("witness verifier: a wrong read is rejected", "[witness]") {
  // Two concurrent puts, then a read of 1: only "put 2, put 1, get" explains it.
  HistoryBuilder b;
  b.invoke(0, "put", 1, "x").invoke(1, "put", 2, "x");
  b.ok(0, "put", 1, "x").ok(1, "put", 2, "x");
  b.invoke(2, "get", nullptr, "x").ok(2, "get", 1, "x");
  const History h = b.build();
  const CheckResult r = check(h, kLin);
  REQUIRE(r.verdict == Verdict::Valid);
  REQUIRE(r.witness["partitions"][0]["order"] == Json::array({1, 0, 4}));
  REQUIRE(verify(h, r.witness, kLin).ok);
  Json other = r.witness;  // real-time order still holds, the read now sees 2
  other["partitions"][0]["order"] = Json::array({0, 1, 4});
  const WitnessVerdict v = verify(h, other, kLin);
  CHECK_FALSE(v.ok);
  CHECK(v.error.find("illegal") != std::string::npos);
  CHECK_FALSE(verify(h, other, kSeq).ok);

  // The history's read tampered instead of the witness: the same order no longer replays.
  HistoryBuilder t;
  t.invoke(0, "put", 1, "x").invoke(1, "put", 2, "x");
  t.ok(0, "put", 1, "x").ok(1, "put", 2, "x");
  t.invoke(2, "get", nullptr, "x").ok(2, "get", 3, "x");
  const History tampered = t.build();
  CHECK_FALSE(verify(tampered, r.witness, kLin).ok);
  REQUIRE(check(tampered, kLin).verdict == Verdict::Invalid);
}
