// counter workload: invoke() over MemoryKv and buggy clients, reply mapping, and the checker
// against a brute-force oracle (enumerating which increments a read could have seen).
#include <catch2/catch.hpp>

#include <random>
#include <set>

#include "workload_test_util.h"

using namespace faultline;
using namespace faultline::workloads;
using namespace faultline::workloads::testing;

namespace {

std::set<int64_t> flagged(const Json& result) {
  std::set<int64_t> s;
  for (const auto& e : result.at("errors")) s.insert(e.at("index").get<int64_t>());
  return s;
}

}  // namespace

TEST_CASE("counter is registered and configures add/read") {
  auto w = make_workload("counter");
  GeneratorConfig c;
  w->configure(c, WorkloadOptions{});
  REQUIRE(c.phases.size() == 1);
  REQUIRE(c.phases[0].mix.size() == 2);
  CHECK(c.phases[0].mix[0].f == "add");
  CHECK(c.phases[0].mix[0].lo >= 1);
  CHECK(w->required_ops() == std::vector<std::string>{"read", "cas"});
  WorkloadOptions o;
  o.params = {{"max_increment", 9}};
  w->configure(c, o);
  CHECK(c.phases[0].mix[0].hi == 9);
  o.params = {{"max_increment", "big"}};
  CHECK_THROWS_WITH(w->configure(c, o), Catch::Contains("max_increment"));
  o.params = {{"max_increment", 0}};
  CHECK_THROWS_AS(w->configure(c, o), std::invalid_argument);
}

TEST_CASE("counter over a correct in-memory KV is valid, concurrently") {
  auto w = make_workload("counter");
  MemoryKv kv;
  History h = run_workload_threaded(*w, [&](int64_t) { return kv.client(); }, 4, 400, 7);
  Json r = w->check(h, WorkloadOptions{});
  INFO(r.dump());
  CHECK(r.at("valid") == true);
  CHECK(r.at("reads").get<int64_t>() > 50);
  CHECK(r.at("adds").at("ok").get<int64_t>() > 50);
  // The final value equals the sum of ok increments (no info ops against MemoryKv).
  int64_t sum = 0;
  for (const Op& op : h.ops())
    if (op.f == "add" && op.type == OpType::Ok) sum += op.value.get<int64_t>();
  CHECK(kv.apply({{"op", "read"}, {"key", "counter"}}).value.get<int64_t>() == sum);
}

TEST_CASE("counter: a cas acknowledged but not applied is caught by the read after it") {
  auto w = make_workload("counter");
  MemoryKv kv;
  int cas_seen = 0;
  HookClient client(kv.client(), [&](const Json& req, SutClient&) -> std::optional<Reply> {
    if (req.at("op") == "cas" && ++cas_seen == 2) return ok_reply();
    return std::nullopt;
  });
  HistoryBuilder b;
  auto step = [&](const std::string& f, Json v) {
    int64_t i = b.invoke(0, f, v);
    Op done = w->invoke(b.h[i], client);
    return b.complete(0, done.type, done.value);
  };
  step("add", 2);
  int64_t good_read = step("read", nullptr);
  step("add", 3);  // acked, lost
  int64_t bad_read = step("read", nullptr);
  Json r = w->check(b.h, WorkloadOptions{});
  INFO(r.dump());
  CHECK(r.at("valid") == false);
  CHECK(flagged(r) == std::set<int64_t>{bad_read});
  CHECK(flagged(r).count(good_read) == 0);
  CHECK(r.at("errors")[0].at("lower") == 5);
  CHECK(r.at("errors")[0].at("upper") == 5);
  CHECK(r.at("errors")[0].at("value") == 2);
}

TEST_CASE("counter: reply mapping") {
  auto w = make_workload("counter");
  using T = ScriptedClient::Throw;
  SECTION("read ok null is 0") {
    ScriptedClient c({ok(nullptr)});
    Op done = w->invoke(invocation("read"), c);
    CHECK(done.type == OpType::Ok);
    CHECK(done.value == 0);
  }
  SECTION("add: read then cas old -> old + d") {
    ScriptedClient c({ok(4), ok(nullptr)});
    Op done = w->invoke(invocation("add", 3), c);
    CHECK(done.type == OpType::Ok);
    CHECK(done.value == 3);
    REQUIRE(c.requests.size() == 2);
    CHECK(c.requests[1] == Json{{"op", "cas"}, {"key", "counter"}, {"expected", 4}, {"value", 7}});
  }
  SECTION("add: cas-mismatch retries, then fails after the bound") {
    std::vector<ScriptedClient::Step> steps;
    for (int i = 0; i < 5; ++i) {
      steps.push_back(ok(i));
      steps.push_back(err("cas-mismatch"));
    }
    ScriptedClient c(steps);
    Op done = w->invoke(invocation("add", 1), c);
    CHECK(done.type == OpType::Fail);
    CHECK(done.error == "cas-mismatch");
    CHECK(c.requests.size() == 10);
  }
  SECTION("add: cas-mismatch then success is ok") {
    ScriptedClient c({ok(1), err("cas-mismatch"), ok(2), ok(nullptr)});
    CHECK(w->invoke(invocation("add", 1), c).type == OpType::Ok);
  }
  SECTION("add: cas timeout is info") {
    ScriptedClient c({ok(1), err("timeout")});
    Op done = w->invoke(invocation("add", 1), c);
    CHECK(done.type == OpType::Info);
    CHECK(done.error == "timeout");
  }
  SECTION("add: an error reply to its read step is fail (nothing written)") {
    ScriptedClient c({err("timeout")});
    Op done = w->invoke(invocation("add", 1), c);
    CHECK(done.type == OpType::Fail);
    CHECK(done.error == "read timeout");
  }
  SECTION("read timeout is info, not-leader is fail") {
    ScriptedClient c({err("timeout"), err("not-leader")});
    CHECK(w->invoke(invocation("read"), c).type == OpType::Info);
    CHECK(w->invoke(invocation("read"), c).type == OpType::Fail);
  }
  SECTION("Indeterminate and NotSent propagate") {
    ScriptedClient c({ok(1), thrown(T::Indeterminate), thrown(T::NotSent)});
    CHECK_THROWS_AS(w->invoke(invocation("add", 1), c), Indeterminate);
    CHECK_THROWS_AS(w->invoke(invocation("read"), c), NotSent);
  }
  SECTION("a non-integer counter fails add and is flagged when read") {
    ScriptedClient c({ok("x"), ok("x")});
    CHECK(w->invoke(invocation("add", 1), c).type == OpType::Fail);
    HistoryBuilder b;
    b.invoke(0, "read");
    int64_t i = b.complete(0, OpType::Ok, w->invoke(invocation("read"), c).value);
    CHECK(flagged(w->check(b.h, WorkloadOptions{})) == std::set<int64_t>{i});
  }
}

TEST_CASE("counter checker: info adds widen the upper bound, failed adds do not") {
  auto w = make_workload("counter");
  HistoryBuilder b;
  b.invoke(0, "add", 5);
  b.complete(0, OpType::Info);
  b.invoke(1, "add", 7);
  b.invoke(2, "read");
  int64_t r1 = b.complete(2, OpType::Ok, 12);  // 5 (info) + 7 (in flight, later fails): too big
  b.complete(1, OpType::Fail);
  b.invoke(2, "read");
  int64_t r2 = b.complete(2, OpType::Ok, 5);   // the info add took effect: fine
  Json r = w->check(b.h, WorkloadOptions{});
  CHECK(flagged(r) == std::set<int64_t>{r1});
  CHECK(r.at("errors")[0].at("upper") == 5);
  CHECK(flagged(r).count(r2) == 0);
}

// Property: the checker's bounds are exactly the min and max sums over the sets of increments a
// read could have observed (all ok adds completed before it began, plus any non-failed add
// invoked before it ended), enumerated by brute force. With unit increments, in-bounds is
// exactly "some set sums to the value".
TEST_CASE("counter checker agrees with a brute-force oracle on random small histories") {
  auto w = make_workload("counter");
  std::mt19937_64 rng(12345);
  int saw_invalid = 0, saw_valid_reads = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    const bool unit = iter % 2 == 0;
    HistoryBuilder b;
    const int events = 6 + static_cast<int>(rng() % 14);
    random_history(
        rng, events,
        [&](int64_t p, int) {
          if (rng() % 2) b.invoke(p, "add", unit ? 1 : 1 + static_cast<int64_t>(rng() % 3));
          else b.invoke(p, "read");
        },
        [&](int64_t p, int) {
          const bool is_read = b.h[b.open.at(p)].f == "read";
          int k = static_cast<int>(rng() % 4);
          OpType t = k < 2 ? OpType::Ok : k == 2 ? OpType::Fail : OpType::Info;
          if (is_read && t == OpType::Info) t = OpType::Ok;
          b.complete(p, t, is_read && t == OpType::Ok ? Json(static_cast<int64_t>(rng() % 7))
                                                      : Json(nullptr));
          return t;
        });
    // Oracle.
    const auto& ops = b.h.ops();
    const std::vector<int64_t> comp = completion_positions(ops);
    std::set<int64_t> expected;
    for (size_t r = 0; r < ops.size(); ++r) {
      if (ops[r].f != "read" || ops[r].type != OpType::Invoke || comp[r] < 0) continue;
      const Op& done = ops[comp[r]];
      if (done.type != OpType::Ok) continue;
      std::vector<int64_t> forced, optional;
      for (size_t a = 0; a < ops.size(); ++a) {
        if (ops[a].f != "add" || ops[a].type != OpType::Invoke) continue;
        OpType out = comp[a] < 0 ? OpType::Info : ops[comp[a]].type;
        const int64_t d = ops[a].value.get<int64_t>();
        if (out == OpType::Ok && comp[a] < static_cast<int64_t>(r)) forced.push_back(d);
        else if (out != OpType::Fail && static_cast<int64_t>(a) < comp[r]) optional.push_back(d);
      }
      std::set<int64_t> sums;
      int64_t base = 0;
      for (int64_t d : forced) base += d;
      for (uint32_t m = 0; m < (1u << optional.size()); ++m) {
        int64_t s = base;
        for (size_t j = 0; j < optional.size(); ++j)
          if (m & (1u << j)) s += optional[j];
        sums.insert(s);
      }
      const int64_t v = done.value.get<int64_t>();
      const bool in_bounds = v >= *sums.begin() && v <= *sums.rbegin();
      if (unit) CHECK(in_bounds == (sums.count(v) == 1));
      if (!in_bounds) expected.insert(comp[r]);
    }
    Json result = w->check(b.h, WorkloadOptions{});
    INFO("iteration " << iter << " result " << result.dump());
    REQUIRE(flagged(result) == expected);
    REQUIRE(result.at("valid") == expected.empty());
    saw_invalid += !expected.empty();
    saw_valid_reads += result.at("reads").get<int>() - static_cast<int>(expected.size());
  }
  // Both verdicts are exercised.
  CHECK(saw_invalid > 100);
  CHECK(saw_valid_reads > 100);
}
