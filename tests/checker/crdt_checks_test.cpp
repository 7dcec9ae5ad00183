// CRDT / eventual-consistency checks on small hand-written histories.
#include <catch2/catch.hpp>

#include <optional>
#include <set>

#include "faultline/checker/crdt/check_crdt.h"

using namespace faultline;
using namespace faultline::checker::crdt;

namespace {

void op(History& h, int64_t p, OpType t, const std::string& f, Json v,
        std::optional<std::string> node = std::nullopt) {
  Op o;
  o.process = p;
  o.type = t;
  o.f = f;
  o.value = std::move(v);
  o.node = std::move(node);
  h.add(o);
}

void done(History& h, int64_t p, OpType t, const std::string& f, Json v, const char* node = nullptr) {
  op(h, p, OpType::Invoke, f, t == OpType::Ok && f != "add" ? Json(nullptr) : v,
     node ? std::optional<std::string>(node) : std::nullopt);
  op(h, p, t, f, v, node ? std::optional<std::string>(node) : std::nullopt);
}

}  // namespace

TEST_CASE("set: convergence and no lost acknowledged adds", "[crdt]") {
  History h;
  done(h, 0, OpType::Ok, "add", 1);
  done(h, 1, OpType::Ok, "add", 2);
  op(h, 2, OpType::Invoke, "add", 3);
  op(h, 2, OpType::Info, "add", 3);  // indeterminate: may be present or not
  done(h, 3, OpType::Fail, "add", 4);
  done(h, 4, OpType::Ok, "final-read", Json::array({2, 1}), "n1");
  done(h, 5, OpType::Ok, "final-read", Json::array({1, 2, 3}), "n2");
  h.pair();
  SECTION("valid adds, diverged replicas") {
    CHECK(check_set_adds(h).verdict == Verdict::Valid);
    const CheckResult c = check_convergence(h);
    CHECK(c.verdict == Verdict::Invalid);
    REQUIRE(c.anomalies.size() == 1);
    CHECK(c.anomalies[0]["type"] == "divergent-final-reads");
  }
  SECTION("lost add and unexpected element") {
    done(h, 6, OpType::Ok, "final-read", Json::array({1, 4}), "n3");
    h.pair();
    const CheckResult r = check_set_adds(h);
    CHECK(r.verdict == Verdict::Invalid);
    std::set<std::string> types;
    for (const auto& a : r.anomalies) types.insert(a["type"].get<std::string>());
    CHECK(types == std::set<std::string>{"lost-add", "unexpected-element"});
  }
}

TEST_CASE("set: converged replicas", "[crdt]") {
  History h;
  done(h, 0, OpType::Ok, "add", 1);
  done(h, 1, OpType::Ok, "read", Json::array({1}), "n1");
  done(h, 2, OpType::Ok, "read", Json::array({1, 1}), "n2");
  h.pair();
  CHECK(check_convergence(h).verdict == Verdict::Valid);
  CHECK(check_set_adds(h).verdict == Verdict::Valid);
}

TEST_CASE("counter within acknowledged + indeterminate bounds", "[crdt]") {
  History h;
  done(h, 0, OpType::Ok, "add", 5);
  done(h, 1, OpType::Ok, "add", 2);
  op(h, 2, OpType::Invoke, "add", 3);
  op(h, 2, OpType::Info, "add", 3);
  done(h, 3, OpType::Fail, "add", 100);
  done(h, 4, OpType::Ok, "final-read", 7, "n1");
  done(h, 5, OpType::Ok, "final-read", 10, "n2");
  h.pair();
  const CheckResult ok = check_counter_bounds(h);
  CHECK(ok.verdict == Verdict::Valid);
  CHECK(ok.witness["lower"] == 7);
  CHECK(ok.witness["upper"] == 10);
  done(h, 6, OpType::Ok, "final-read", 6, "n3");
  h.pair();
  const CheckResult bad = check_counter_bounds(h);
  CHECK(bad.verdict == Verdict::Invalid);
  CHECK(bad.anomalies[0]["type"] == "counter-out-of-bounds");
}

TEST_CASE("no final reads is unknown", "[crdt]") {
  History h;
  done(h, 0, OpType::Ok, "add", 1);
  h.pair();
  const CheckResult r = check_convergence(h);
  CHECK(r.verdict == Verdict::Unknown);
  CHECK_FALSE(r.reason.empty());
}
