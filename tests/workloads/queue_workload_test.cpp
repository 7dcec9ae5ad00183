// queue workload: invoke() over MemoryKv and buggy clients (a lost enqueue, a duplicated
// dequeue, an invented element), reply mapping for enqueue / dequeue / drain, and the checker
// against a naive oracle on random small histories (its linearizability sub-check against the
// brute-force oracle of queue_oracle.h).
#include <catch2/catch.hpp>

#include <random>
#include <set>

#include "queue_oracle.h"
#include "workload_test_util.h"

using namespace faultline;
using namespace faultline::workloads;
using namespace faultline::workloads::testing;

namespace {

std::set<int64_t> elements(const Json& list) {
  std::set<int64_t> s;
  for (const auto& e : list) s.insert(e.at("element").get<int64_t>());
  return s;
}

}  // namespace

TEST_CASE("queue is registered; one drain per process in the final phase") {
  auto w = make_workload("queue");
  GeneratorConfig c;
  WorkloadOptions o;
  o.concurrency = 4;
  w->configure(c, o);
  REQUIRE(c.final_ops.size() == 4);
  CHECK(c.final_ops[0].f == "drain");
  CHECK(w->required_ops() == std::vector<std::string>{"append", "read", "cas"});
}

TEST_CASE("queue over a correct in-memory KV is valid and fully drained, concurrently") {
  auto w = make_workload("queue");
  MemoryKv kv;
  History h = run_workload_threaded(*w, [&](int64_t) { return kv.client(); }, 4, 400, 21);
  Json r = w->check(h, WorkloadOptions{});
  INFO(r.dump());
  CHECK(r.at("valid") == true);
  CHECK(r.at("drained") == true);
  CHECK(r.at("dequeued") == r.at("enqueues").at("ok"));
  CHECK(r.at("enqueues").at("ok").get<int64_t>() > 50);
  CHECK(kv.apply({{"op", "read"}, {"key", "queue"}}).value == Json::array());
}

TEST_CASE("queue: buggy systems are caught and the ops named") {
  auto w = make_workload("queue");
  MemoryKv kv;
  SECTION("an acknowledged enqueue never applied is lost") {
    AppendDropper drop(kv, 7);
    const Json& lost_value = drop.dropped;
    History h = run_workload_threaded(*w, [&](int64_t) { return drop.client(); }, 1, 80, 4);
    Json r = w->check(h, WorkloadOptions{});
    INFO(r.dump());
    CHECK(r.at("valid") == false);
    REQUIRE(r.at("lost").size() == 1);
    CHECK(r.at("lost")[0].at("element") == lost_value);
    const Op& e = h[r.at("lost")[0].at("enqueue_index").get<size_t>()];
    CHECK(e.f == "enqueue");
    CHECK(e.value == lost_value);
    CHECK(r.at("duplicated").empty());
  }
  SECTION("a dequeue cas acknowledged but not applied duplicates the head") {
    int cas = 0;
    HookClient c(kv.client(), [&](const Json& req, SutClient&) -> std::optional<Reply> {
      if (req.at("op") == "cas" && ++cas == 2) return ok_reply();
      return std::nullopt;
    });
    HistoryBuilder b;
    auto step = [&](const std::string& f, Json v) {
      int64_t i = b.invoke(0, f, v);
      Op done = w->invoke(b.h[i], c);
      return b.complete(0, done.type, done.value);
    };
    for (int64_t x = 0; x < 3; ++x) step("enqueue", x);
    int64_t d1 = step("dequeue", nullptr);  // takes 0
    int64_t d2 = step("dequeue", nullptr);  // "takes" 1, not applied
    int64_t d3 = step("drain", nullptr);    // takes 1 again, then 2
    Json r = w->check(b.h, WorkloadOptions{});
    INFO(r.dump());
    CHECK(b.h[d1].value == 0);
    CHECK(r.at("valid") == false);
    REQUIRE(r.at("duplicated").size() == 1);
    CHECK(r.at("duplicated")[0] == Json{{"element", 1}, {"indices", {d2, d3}}});
    CHECK(r.at("lost").empty());
  }
  SECTION("an element nobody enqueued is dequeued") {
    bool injected = false;
    HookClient c(kv.client(), [&](const Json& req, SutClient& in) -> std::optional<Reply> {
      if (req.at("op") == "read" && !injected) {
        Reply r = in.call(req);
        Json l = Json::array({999});
        for (const auto& x : r.value) l.push_back(x);
        return ok_reply(l);
      }
      if (req.at("op") == "cas" && !injected) {
        injected = true;
        return ok_reply();
      }
      return std::nullopt;
    });
    HistoryBuilder b;
    int64_t i = b.invoke(0, "enqueue", 0);
    b.complete(0, w->invoke(b.h[i], c).type, 0);
    i = b.invoke(0, "dequeue");
    int64_t d = b.complete(0, OpType::Ok, w->invoke(b.h[i], c).value);
    i = b.invoke(0, "drain");
    Op drain = w->invoke(b.h[i], c);
    b.complete(0, drain.type, drain.value);
    Json r = w->check(b.h, WorkloadOptions{});
    INFO(r.dump());
    CHECK(r.at("valid") == false);
    REQUIRE(r.at("unexpected").size() == 1);
    CHECK(r.at("unexpected")[0] ==
          Json{{"element", 999}, {"index", d}, {"why", "never enqueued"}});
    CHECK(r.at("lost").empty());
  }
}

TEST_CASE("queue: reply mapping") {
  auto w = make_workload("queue");
  using T = ScriptedClient::Throw;
  SECTION("enqueue") {
    ScriptedClient c({ok(nullptr), err("timeout"), err("not-leader"), thrown(T::Indeterminate)});
    CHECK(w->invoke(invocation("enqueue", 1), c).type == OpType::Ok);
    CHECK(c.requests[0] == Json{{"op", "append"}, {"key", "queue"}, {"value", 1}});
    CHECK(w->invoke(invocation("enqueue", 2), c).type == OpType::Info);
    CHECK(w->invoke(invocation("enqueue", 3), c).type == OpType::Fail);
    CHECK_THROWS_AS(w->invoke(invocation("enqueue", 4), c), Indeterminate);
  }
  SECTION("dequeue: empty is ok null; head taken by cas") {
    ScriptedClient c({ok(nullptr), ok(Json{5, 6}), ok(nullptr)});
    Op e = w->invoke(invocation("dequeue"), c);
    CHECK(e.type == OpType::Ok);
    CHECK(e.value.is_null());
    Op d = w->invoke(invocation("dequeue"), c);
    CHECK(d.type == OpType::Ok);
    CHECK(d.value == 5);
    CHECK(c.requests[2] ==
          Json{{"op", "cas"}, {"key", "queue"}, {"expected", {5, 6}}, {"value", {6}}});
  }
  SECTION("dequeue: cas-mismatch retried, then fail") {
    std::vector<ScriptedClient::Step> s;
    for (int i = 0; i < 5; ++i) {
      s.push_back(ok(Json{i}));
      s.push_back(err("cas-mismatch"));
    }
    ScriptedClient c(s);
    Op d = w->invoke(invocation("dequeue"), c);
    CHECK(d.type == OpType::Fail);
    CHECK(d.error == "cas-mismatch");
    CHECK(c.requests.size() == 10);
  }
  SECTION("dequeue: cas timeout or Indeterminate is info naming the head") {
    ScriptedClient c({ok(Json{5}), err("timeout"), ok(Json{6}), thrown(T::Indeterminate)});
    Op a = w->invoke(invocation("dequeue"), c);
    CHECK(a.type == OpType::Info);
    CHECK(a.value == Json{{"maybe", 5}});
    Op b = w->invoke(invocation("dequeue"), c);
    CHECK(b.type == OpType::Info);
    CHECK(b.value == Json{{"maybe", 6}});
  }
  SECTION("dequeue: read errors fail; exceptions before any effect propagate") {
    ScriptedClient c({err("unavailable"), err("timeout"), thrown(T::Indeterminate),
                      thrown(T::NotSent), ok(Json{1}), thrown(T::NotSent)});
    CHECK(w->invoke(invocation("dequeue"), c).type == OpType::Fail);
    Op t = w->invoke(invocation("dequeue"), c);
    CHECK(t.type == OpType::Fail);  // a read timeout: nothing was written
    CHECK(t.error == "read timeout");
    CHECK_THROWS_AS(w->invoke(invocation("dequeue"), c), Indeterminate);
    CHECK_THROWS_AS(w->invoke(invocation("dequeue"), c), NotSent);
    CHECK_THROWS_AS(w->invoke(invocation("dequeue"), c), NotSent);
  }
  SECTION("drain: takes until empty, retrying mismatches") {
    ScriptedClient c({ok(Json{1, 2}), ok(nullptr), ok(Json{2, 3}), err("cas-mismatch"),
                      ok(Json{3}), ok(nullptr), ok(Json::array())});
    Op d = w->invoke(invocation("drain"), c);
    CHECK(d.type == OpType::Ok);
    CHECK(d.value == Json{{"dequeued", {1, 3}}, {"empty", true}});
  }
  SECTION("drain: indeterminate midway keeps what it took") {
    ScriptedClient c({ok(Json{1, 2}), ok(nullptr), ok(Json{2}), err("timeout")});
    Op d = w->invoke(invocation("drain"), c);
    CHECK(d.type == OpType::Info);
    CHECK(d.value == Json{{"dequeued", {1}}, {"empty", false}, {"maybe", 2}});
    ScriptedClient c2({ok(Json{1, 2}), ok(nullptr), thrown(T::Indeterminate)});
    Op d2 = w->invoke(invocation("drain"), c2);
    CHECK(d2.type == OpType::Info);
    CHECK(d2.value == Json{{"dequeued", {1}}, {"empty", false}});
  }
  SECTION("a non-list queue value fails dequeue and stops drain, never reads as empty") {
    ScriptedClient c({ok(7), ok(7), ok(Json{1}), ok(nullptr), ok("x")});
    Op d = w->invoke(invocation("dequeue"), c);
    CHECK(d.type == OpType::Fail);
    CHECK(d.error.get<std::string>().rfind("not-a-list", 0) == 0);
    CHECK(w->invoke(invocation("drain"), c).type == OpType::Fail);
    Op dr = w->invoke(invocation("drain"), c);
    CHECK(dr.type == OpType::Ok);
    CHECK(dr.value.at("dequeued") == Json{1});
    CHECK(dr.value.at("empty") == false);
  }
  SECTION("drain: errors are retried (bounded); out of retries: fail, or ok and not empty") {
    std::vector<ScriptedClient::Step> s(11, err("not-leader"));
    ScriptedClient c(s);
    Op f = w->invoke(invocation("drain"), c);
    CHECK(f.type == OpType::Fail);
    CHECK(f.error == "not-leader");
    CHECK(c.requests.size() == 11);
    std::vector<ScriptedClient::Step> s2 = {ok(Json{1, 2}), ok(nullptr)};
    s2.insert(s2.end(), 11, err("timeout"));  // read timeouts: no effect, retried
    ScriptedClient c2(s2);
    Op d = w->invoke(invocation("drain"), c2);
    CHECK(d.type == OpType::Ok);
    CHECK(d.value == Json{{"dequeued", {1}}, {"empty", false}, {"stopped", "timeout"}});
  }
  SECTION("drain: settles through not-leader / unavailable") {
    ScriptedClient c({err("not-leader"), ok(Json{1}), err("unavailable"), ok(Json{1}),
                      ok(nullptr), ok(Json::array())});
    Op d = w->invoke(invocation("drain"), c);
    CHECK(d.type == OpType::Ok);
    CHECK(d.value == Json{{"dequeued", {1}}, {"empty", true}});
  }
}

TEST_CASE("queue checker: maybe, unknown info dequeues, and the need for a drain") {
  auto w = make_workload("queue");
  HistoryBuilder b;
  for (int64_t x = 0; x < 3; ++x) {
    b.invoke(0, "enqueue", x);
    b.complete(0, OpType::Ok, x);
  }
  b.invoke(1, "dequeue");
  b.complete(1, OpType::Info, Json{{"maybe", 0}});
  Json r = w->check(b.h, WorkloadOptions{});
  CHECK(r.at("valid") == "unknown");
  CHECK(elements(r.at("remaining")) == std::set<int64_t>{1, 2});
  b.invoke(2, "dequeue");
  b.complete(2, OpType::Info);  // value unknown: could have taken one element
  b.invoke(3, "drain");
  b.complete(3, OpType::Ok, Json{{"dequeued", {2}}, {"empty", true}});
  r = w->check(b.h, WorkloadOptions{});
  INFO(r.dump());
  CHECK(r.at("valid") == true);
  CHECK(elements(r.at("unresolved")) == std::set<int64_t>{1});
  b.invoke(3, "enqueue", 7);
  b.complete(3, OpType::Ok, 7);
  b.invoke(3, "drain");
  b.complete(3, OpType::Ok, Json{{"dequeued", Json::array()}, {"empty", true}});
  r = w->check(b.h, WorkloadOptions{});
  CHECK(r.at("valid") == false);
  CHECK(elements(r.at("lost")) == std::set<int64_t>{1, 7});
}

// Property: against a naive recomputation from the definitions (every pair of takers compared,
// every take matched to enqueue invocations by position).
TEST_CASE("queue checker agrees with a naive oracle on random small histories") {
  auto w = make_workload("queue");
  std::mt19937_64 rng(4242);
  int saw_lost = 0, saw_dup = 0, saw_unexp = 0, saw_valid = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    HistoryBuilder b;
    int64_t next_x = 0;
    const int events = 6 + static_cast<int>(rng() % 14);
    auto rand_elem = [&]() { return static_cast<int64_t>(rng() % 6); };  // 5: never enqueued
    random_history(
        rng, events + 6,
        [&](int64_t p, int e) {
          if (e >= events) b.invoke(p, "drain");
          else if (rng() % 2 && next_x < 5) b.invoke(p, "enqueue", next_x++);
          else b.invoke(p, "dequeue");
        },
        [&](int64_t p, int) {
          const Op& inv = b.h[b.open.at(p)];
          const std::string f = inv.f;
          int k = static_cast<int>(rng() % 6);
          OpType t = k < 4 ? OpType::Ok : k == 4 ? OpType::Fail : OpType::Info;
          Json v;
          if (f == "enqueue") {
            v = inv.value;
          } else if (f == "dequeue") {
            if (t == OpType::Ok) v = rng() % 4 == 0 ? Json(nullptr) : Json(rand_elem());
            if (t == OpType::Info && rng() % 2) v = Json{{"maybe", rand_elem()}};
          } else if (t != OpType::Fail) {
            Json l = Json::array();
            for (int n = static_cast<int>(rng() % 3); n > 0; --n) l.push_back(rand_elem());
            v = {{"dequeued", l}, {"empty", t == OpType::Ok && rng() % 3 != 0}};
            if (t == OpType::Info && rng() % 2) v["maybe"] = rand_elem();
          }
          b.complete(p, t, v);
          return t;
        });
    // Oracle.
    const auto& ops = b.h.ops();
    const std::vector<int64_t> comp = completion_positions(ops);
    auto outcome = [&](size_t i) { return comp[i] < 0 ? OpType::Info : ops[comp[i]].type; };
    std::vector<std::pair<int64_t, size_t>> takes;  // element, completion position
    std::set<int64_t> maybe;
    int64_t unknown = 0;
    bool drained = false;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].type != OpType::Invoke || ops[i].f == "enqueue") continue;
      if (comp[i] < 0) { ++unknown; continue; }
      const Op& d = ops[comp[i]];
      if (ops[i].f == "dequeue") {
        if (d.type == OpType::Ok && !d.value.is_null()) takes.emplace_back(d.value.get<int64_t>(), comp[i]);
        if (d.type == OpType::Info) {
          if (d.value.is_object()) maybe.insert(d.value.at("maybe").get<int64_t>());
          else ++unknown;
        }
      } else if (d.value.is_object()) {
        for (const auto& x : d.value.at("dequeued")) takes.emplace_back(x.get<int64_t>(), comp[i]);
        if (d.value.contains("maybe")) maybe.insert(d.value.at("maybe").get<int64_t>());
        if (d.type == OpType::Ok && d.value.at("empty") == true) drained = true;
      } else if (d.type == OpType::Info) {
        ++unknown;
      }
    }
    std::set<int64_t> dup, unexp, taken;
    for (size_t a = 0; a < takes.size(); ++a) {
      taken.insert(takes[a].first);
      for (size_t c = a + 1; c < takes.size(); ++c)
        if (takes[a].first == takes[c].first) dup.insert(takes[a].first);
      bool fine = false;
      for (size_t i = 0; i < takes[a].second; ++i)
        if (ops[i].type == OpType::Invoke && ops[i].f == "enqueue" &&
            ops[i].value == takes[a].first && outcome(i) != OpType::Fail)
          fine = true;
      if (!fine) unexp.insert(takes[a].first);
    }
    std::set<int64_t> cand;
    for (size_t i = 0; i < ops.size(); ++i)
      if (ops[i].type == OpType::Invoke && ops[i].f == "enqueue" && outcome(i) == OpType::Ok &&
          !taken.count(ops[i].value.get<int64_t>()) && !maybe.count(ops[i].value.get<int64_t>()))
        cand.insert(ops[i].value.get<int64_t>());
    std::set<int64_t> lost =
        drained && static_cast<int64_t>(cand.size()) > unknown ? cand : std::set<int64_t>{};
    Json expected_valid = (!dup.empty() || !unexp.empty() || !lost.empty()) ? Json(false)
                          : (!drained && !cand.empty()) ? Json("unknown") : Json(true);
    Json r = w->check(b.h, WorkloadOptions{});
    INFO("iteration " << iter << " result " << r.dump());
    REQUIRE(elements(r.at("duplicated")) == dup);
    REQUIRE(elements(r.at("unexpected")) == unexp);
    REQUIRE(elements(r.at("lost")) == lost);
    // The extra linearizability check, decided by its own oracle (queue_oracle.h).
    const bool lin = queue_oracle::main_phase_linearizable(b.h);
    REQUIRE(r.at("linearizable").at("valid") == lin);
    if (!lin) expected_valid = false;
    REQUIRE(r.at("valid") == expected_valid);
    saw_lost += !lost.empty();
    saw_dup += !dup.empty();
    saw_unexp += !unexp.empty();
    saw_valid += expected_valid == true;
  }
  // The random histories exercise every verdict.
  CHECK(saw_lost > 20);
  CHECK(saw_dup > 20);
  CHECK(saw_unexp > 20);
  CHECK(saw_valid > 20);
}

TEST_CASE("queue checker: the unordered-queue linearizability check catches a false empty") {
  auto w = make_workload("queue");
  HistoryBuilder b;
  b.invoke(0, "enqueue", 0);
  b.complete(0, OpType::Ok, 0);
  b.invoke(0, "enqueue", 1);
  b.complete(0, OpType::Ok, 1);
  b.invoke(1, "dequeue");
  b.complete(1, OpType::Ok, 1);  // out of FIFO order: fine
  Json r = w->check(b.h, WorkloadOptions{});
  CHECK(r.at("linearizable").at("valid") == true);
  b.invoke(1, "dequeue");
  int64_t empty = b.complete(1, OpType::Ok);  // empty, though 0 is still queued
  b.invoke(2, "drain");
  b.complete(2, OpType::Ok, Json{{"dequeued", {0}}, {"empty", true}});
  r = w->check(b.h, WorkloadOptions{});
  INFO(r.dump());
  CHECK(r.at("duplicated").empty());
  CHECK(r.at("lost").empty());
  CHECK(r.at("linearizable").at("valid") == false);
  CHECK(r.at("valid") == false);
  // The witness names the empty dequeue's invocation (positions are the history's own).
  CHECK(r.at("linearizable").at("witness").at("op") == empty - 1);
}

// Found by the paxos e2e run (tests/runner/e2e_paxos_test.cpp, queue under partition + majority
// kills): a main-phase dequeue blocked by a partition completed empty after other processes'
// drains had taken what was left. Drains are not in the model, so that empty must not count.
TEST_CASE("queue checker: an empty dequeue overlapping a drain is not a false empty") {
  auto w = make_workload("queue");
  HistoryBuilder b;
  b.invoke(0, "enqueue", 0);
  b.complete(0, OpType::Ok, 0);
  b.invoke(1, "dequeue");  // still open when process 0 begins its drain
  b.invoke(0, "drain");
  b.complete(1, OpType::Ok);  // empty: the drain took 0 first
  b.complete(0, OpType::Ok, Json{{"dequeued", {0}}, {"empty", true}});
  Json r = w->check(b.h, WorkloadOptions{});
  INFO(r.dump());
  CHECK(r.at("linearizable").at("valid") == true);
  CHECK(r.at("valid") == true);
  // The same empty reply before the drain began is still a false empty.
  HistoryBuilder c;
  c.invoke(0, "enqueue", 0);
  c.complete(0, OpType::Ok, 0);
  c.invoke(1, "dequeue");
  c.complete(1, OpType::Ok);
  c.invoke(0, "drain");
  c.complete(0, OpType::Ok, Json{{"dequeued", {0}}, {"empty", true}});
  r = w->check(c.h, WorkloadOptions{});
  INFO(r.dump());
  CHECK(r.at("linearizable").at("valid") == false);
  CHECK(r.at("valid") == false);
}
