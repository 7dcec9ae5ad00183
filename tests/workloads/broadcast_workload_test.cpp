// broadcast workload: invoke() over MemoryKv and buggy clients (a lost append, a reader that
// sees a reordered log, a duplicated delivery), reply mapping, and the checker against a
// brute-force oracle (searching all total orders of the delivered messages).
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>

#include "workload_test_util.h"

using namespace faultline;
using namespace faultline::workloads;
using namespace faultline::workloads::testing;

namespace {

std::set<int64_t> field_set(const Json& list, const char* field) {
  std::set<int64_t> s;
  for (const auto& e : list) s.insert(e.at(field).get<int64_t>());
  return s;
}

}  // namespace

TEST_CASE("broadcast is registered; one final read per process") {
  auto w = make_workload("broadcast");
  GeneratorConfig c;
  WorkloadOptions o;
  o.concurrency = 3;
  w->configure(c, o);
  REQUIRE(c.final_ops.size() == 3);
  CHECK(c.final_ops[0].f == "final-read");
  CHECK(w->required_ops() == std::vector<std::string>{"append", "read"});
}

TEST_CASE("broadcast over a correct in-memory KV is valid, concurrently") {
  auto w = make_workload("broadcast");
  MemoryKv kv;
  History h = run_workload_threaded(
      *w, [&](int64_t p) { return kv.client(std::vector<std::string>{"n0", "n1", "n2"}[p % 3]); }, 4, 300, 11);
  Json r = w->check(h, WorkloadOptions{});
  INFO(r.dump());
  CHECK(r.at("valid") == true);
  CHECK(r.at("final_reads") == 4);
  CHECK(r.at("broadcasts").at("ok").get<int64_t>() > 50);
  CHECK(r.at("delivered") == r.at("broadcasts").at("ok"));
}

TEST_CASE("broadcast: buggy systems are caught and the ops named") {
  auto w = make_workload("broadcast");
  MemoryKv kv;
  SECTION("an acknowledged append that was never applied is lost") {
    AppendDropper drop(kv, 10);
    const Json& lost_message = drop.dropped;
    History h = run_workload_threaded(*w, [&](int64_t) { return drop.client(); }, 1, 60, 3);
    Json r = w->check(h, WorkloadOptions{});
    INFO(r.dump());
    CHECK(r.at("valid") == false);
    REQUIRE(r.at("lost").size() == 1);
    CHECK(r.at("lost")[0].at("message") == lost_message);
    const Op& b = h[r.at("lost")[0].at("broadcast_index").get<size_t>()];
    CHECK(b.f == "broadcast");
    CHECK(b.value == lost_message);
    CHECK(r.at("divergent").empty());
  }
  SECTION("one node's reader sees two messages swapped") {
    auto make = [&](int64_t p) -> std::unique_ptr<SutClient> {
      auto inner = kv.client(p == 1 ? "n-bad" : "n-good");
      if (p != 1) return inner;
      return std::make_unique<HookClient>(
          std::move(inner), [](const Json& req, SutClient& in) -> std::optional<Reply> {
            if (req.at("op") != "read") return std::nullopt;
            Reply r = in.call(req);
            if (r.value.is_array() && r.value.size() >= 2) std::swap(r.value[0], r.value[1]);
            return r;
          });
    };
    History h = run_workload_threaded(*w, make, 3, 200, 5);
    Json r = w->check(h, WorkloadOptions{});
    INFO(r.dump());
    CHECK(r.at("valid") == false);
    REQUIRE(!r.at("divergent").empty());
    for (const auto& d : r.at("divergent")) {
      const Op& bad = h[d.at("index").get<size_t>()];
      CHECK(bad.node == std::string("n-bad"));
      CHECK(d.at("position").get<int64_t>() <= 1);
    }
    CHECK(r.at("lost").empty());
    CHECK(r.at("duplicates").empty());
  }
  SECTION("a message delivered twice") {
    int appends = 0;
    HookClient c(kv.client(), [&](const Json& req, SutClient& in) -> std::optional<Reply> {
      if (req.at("op") == "append" && ++appends == 2) in.call(req);  // applied twice
      return std::nullopt;
    });
    HistoryBuilder b;
    for (int64_t m = 0; m < 3; ++m) {
      int64_t i = b.invoke(0, "broadcast", m);
      b.complete(0, w->invoke(b.h[i], c).type, m);
    }
    int64_t i = b.invoke(0, "final-read");
    int64_t fr = b.complete(0, OpType::Ok, w->invoke(b.h[i], c).value);
    Json r = w->check(b.h, WorkloadOptions{});
    INFO(r.dump());
    CHECK(r.at("valid") == false);
    REQUIRE(r.at("duplicates").size() == 1);
    CHECK(r.at("duplicates")[0] == Json{{"index", fr}, {"message", 1}});
  }
}

TEST_CASE("broadcast: reply mapping") {
  auto w = make_workload("broadcast");
  using T = ScriptedClient::Throw;
  ScriptedClient c({ok(nullptr), err("timeout"), err("unavailable"), ok(nullptr), ok(Json{1, 2}),
                    thrown(T::Indeterminate), thrown(T::NotSent)});
  Op a = w->invoke(invocation("broadcast", 4), c);
  CHECK(a.type == OpType::Ok);
  CHECK(a.value == 4);
  CHECK(c.requests[0] == Json{{"op", "append"}, {"key", "broadcast"}, {"value", 4}});
  CHECK(w->invoke(invocation("broadcast", 5), c).type == OpType::Info);
  CHECK(w->invoke(invocation("broadcast", 6), c).type == OpType::Fail);
  Op empty = w->invoke(invocation("read"), c);
  CHECK(empty.type == OpType::Ok);
  CHECK(empty.value == Json::array());
  CHECK(w->invoke(invocation("final-read"), c).value == Json{1, 2});
  CHECK_THROWS_AS(w->invoke(invocation("broadcast", 7), c), Indeterminate);
  CHECK_THROWS_AS(w->invoke(invocation("read"), c), NotSent);
}

TEST_CASE("broadcast: a final read retries errors, bounded") {
  auto w = make_workload("broadcast");
  ScriptedClient c({err("not-leader"), err("timeout"), ok(Json{3})});
  Op r = w->invoke(invocation("final-read"), c);
  CHECK(r.type == OpType::Ok);
  CHECK(r.value == Json{3});
  std::vector<ScriptedClient::Step> s(11, err("unavailable"));
  ScriptedClient c2(s);
  CHECK(w->invoke(invocation("final-read"), c2).type == OpType::Fail);
  CHECK(c2.requests.size() == 11);
  ScriptedClient c3({err("not-leader")});  // a main-phase read does not retry
  CHECK(w->invoke(invocation("read"), c3).type == OpType::Fail);
}

TEST_CASE("broadcast checker: info may or may not appear; no final read is unknown") {
  auto w = make_workload("broadcast");
  HistoryBuilder b;
  b.invoke(0, "broadcast", 0);
  b.complete(0, OpType::Ok, 0);
  b.invoke(1, "broadcast", 1);
  b.complete(1, OpType::Info);
  b.invoke(2, "read");
  b.complete(2, OpType::Ok, Json{0});
  CHECK(w->check(b.h, WorkloadOptions{}).at("valid") == "unknown");
  b.invoke(2, "final-read");
  b.complete(2, OpType::Ok, Json{0, 1});
  b.invoke(3, "final-read");
  b.complete(3, OpType::Ok, Json{0});  // lagging node: shorter prefix, 1 was info
  CHECK(w->check(b.h, WorkloadOptions{}).at("valid") == true);
  b.invoke(3, "read");
  int64_t r = b.complete(3, OpType::Ok, Json{0, 1, 9});
  Json res = w->check(b.h, WorkloadOptions{});
  CHECK(res.at("valid") == false);
  REQUIRE(res.at("unexpected").size() == 1);
  CHECK(res.at("unexpected")[0].at("read_index") == r);
  CHECK(res.at("unexpected")[0].at("why") == "never broadcast");
}

// Property: against an oracle that tries every total order of the delivered messages (is there
// one of which every read is a prefix?) and recomputes unexpected / lost messages naively.
TEST_CASE("broadcast checker agrees with a brute-force oracle on random small histories") {
  auto w = make_workload("broadcast");
  std::mt19937_64 rng(777);
  int saw_order_bad = 0, saw_lost = 0, saw_unexp = 0, saw_valid = 0, saw_unknown = 0;
  for (int iter = 0; iter < 1500; ++iter) {
    std::vector<int64_t> base = {0, 1, 2, 3, 4};
    std::shuffle(base.begin(), base.end(), rng);
    auto random_read = [&]() {
      std::vector<int64_t> l(base.begin(), base.begin() + static_cast<long>(rng() % 5));
      int k = static_cast<int>(rng() % 8);
      if (k == 0 && l.size() >= 2) std::swap(l[rng() % l.size()], l[rng() % l.size()]);
      if (k == 1 && !l.empty()) l.push_back(l[rng() % l.size()]);
      if (k == 2) l.push_back(base[rng() % 5]);
      return Json(l);
    };
    HistoryBuilder b;
    int64_t next_msg = 0;
    const int events = 6 + static_cast<int>(rng() % 12);
    random_history(
        rng, events + 6,
        [&](int64_t p, int e) {
          if (e >= events) b.invoke(p, "final-read");
          else if (rng() % 2 && next_msg < 4) b.invoke(p, "broadcast", next_msg++);
          else b.invoke(p, "read");
        },
        [&](int64_t p, int) {
          const std::string f = b.h[b.open.at(p)].f;
          int k = static_cast<int>(rng() % 5);
          OpType t = k < 3 ? OpType::Ok : k == 3 ? OpType::Fail : OpType::Info;
          Json v = f == "broadcast" ? b.h[b.open.at(p)].value
                                    : t == OpType::Ok ? random_read() : Json(nullptr);
          b.complete(p, t, v);
          return t;
        });
    // Oracle.
    const auto& ops = b.h.ops();
    const std::vector<int64_t> comp = completion_positions(ops);
    auto outcome = [&](size_t i) { return comp[i] < 0 ? OpType::Info : ops[comp[i]].type; };
    std::vector<std::pair<size_t, std::vector<int64_t>>> reads;  // completion pos, list
    std::vector<std::vector<int64_t>> finals;
    std::set<int64_t> universe;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].type != OpType::Invoke || ops[i].f == "broadcast" || outcome(i) != OpType::Ok)
        continue;
      auto l = ops[comp[i]].value.get<std::vector<int64_t>>();
      reads.emplace_back(comp[i], l);
      if (ops[i].f == "final-read") finals.push_back(l);
      universe.insert(l.begin(), l.end());
    }
    std::vector<int64_t> perm(universe.begin(), universe.end());
    bool order_ok = false;
    do {
      bool all = true;
      for (const auto& [pos, l] : reads)
        if (l.size() > perm.size() || !std::equal(l.begin(), l.end(), perm.begin())) all = false;
      if (all) order_ok = true;
    } while (!order_ok && std::next_permutation(perm.begin(), perm.end()));
    std::set<int64_t> unexpected, lost;
    bool any_ok_broadcast = false;
    for (const auto& [pos, l] : reads)
      for (int64_t m : l) {
        bool fine = false;
        for (size_t i = 0; i < ops.size(); ++i)
          if (ops[i].type == OpType::Invoke && ops[i].f == "broadcast" && ops[i].value == m &&
              outcome(i) != OpType::Fail && i < pos)
            fine = true;
        if (!fine) unexpected.insert(m);
      }
    for (size_t i = 0; i < ops.size(); ++i)
      if (ops[i].type == OpType::Invoke && ops[i].f == "broadcast" && outcome(i) == OpType::Ok) {
        any_ok_broadcast = true;
        for (const auto& l : finals)
          if (std::find(l.begin(), l.end(), ops[i].value.get<int64_t>()) == l.end())
            lost.insert(ops[i].value.get<int64_t>());
      }
    Json expected_valid = (!order_ok || !unexpected.empty() || !lost.empty())
                              ? Json(false)
                              : (finals.empty() && any_ok_broadcast) ? Json("unknown") : Json(true);
    Json r = w->check(b.h, WorkloadOptions{});
    INFO("iteration " << iter << " result " << r.dump());
    REQUIRE((r.at("duplicates").empty() && r.at("divergent").empty()) == order_ok);
    REQUIRE(field_set(r.at("unexpected"), "message") == unexpected);
    REQUIRE(field_set(r.at("lost"), "message") == lost);
    REQUIRE(r.at("valid") == expected_valid);
    saw_order_bad += !order_ok;
    saw_lost += !lost.empty();
    saw_unexp += !unexpected.empty();
    saw_valid += expected_valid == true;
    saw_unknown += expected_valid == "unknown";
  }
  // The random histories exercise every verdict.
  CHECK(saw_order_bad > 20);
  CHECK(saw_lost > 20);
  CHECK(saw_unexp > 20);
  CHECK(saw_valid > 20);
  CHECK(saw_unknown > 0);
}

TEST_CASE("broadcast checker: the reference order is what most readers saw") {
  auto w = make_workload("broadcast");
  HistoryBuilder b;
  for (int64_t m = 0; m < 3; ++m) {
    b.invoke(0, "broadcast", m);
    b.complete(0, OpType::Ok, m);
  }
  b.invoke(1, "read");
  b.complete(1, OpType::Ok, Json{0, 1});
  b.invoke(2, "final-read");
  b.complete(2, OpType::Ok, Json{0, 1, 2});
  b.invoke(3, "final-read");
  int64_t bad = b.complete(3, OpType::Ok, Json{0, 2, 1});  // the odd one out
  b.invoke(4, "final-read");
  b.complete(4, OpType::Ok, Json{0, 1, 2});
  Json r = w->check(b.h, WorkloadOptions{});
  INFO(r.dump());
  CHECK(r.at("valid") == false);
  REQUIRE(r.at("divergent").size() == 1);
  CHECK(r.at("divergent")[0].at("index") == bad);
  CHECK(r.at("divergent")[0].at("position") == 1);
  CHECK(r.at("divergent")[0].at("got") == 2);
  CHECK(r.at("divergent")[0].at("reference") == 1);
  CHECK(r.at("delivered") == 3);
  CHECK(r.at("lost").empty());
}
