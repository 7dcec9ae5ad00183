// The queue workload's linearizability sub-check ("linearizable" in its result) against an
// independent brute-force oracle on random small histories, agreement asserted both ways.
//
// The oracle (queue_oracle.h) is written from the workload's contract and shares no code with
// checker/ or the workload.
//
// Histories: three processes (a process whose op ends info is replaced) run enqueues of unique
// values and dequeues against a simulated multiset queue, each op taking effect at its
// invocation or its completion (so the history is linearizable), then drains; some ops fail or
// end info; some dequeue replies are then falsified (another element, a never-enqueued one, or
// empty), which makes most of those histories non-linearizable.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <random>
#include <set>

#include "queue_oracle.h"
#include "workload_test_util.h"

using namespace faultline;
using namespace faultline::workloads;
using namespace faultline::workloads::testing;
using namespace faultline::workloads::testing::queue_oracle;

namespace {

// A random history of a correct multiset queue, then some dequeue replies falsified.
History generate(std::mt19937_64& rng, int& falsified) {
  HistoryBuilder b;
  std::multiset<int64_t> q;
  std::map<int64_t, std::pair<OpType, Json>> pending;  // process -> decided outcome
  int64_t next_x = 0;
  const int events = 6 + static_cast<int>(rng() % 12);
  auto coin = [&](int pct) { return static_cast<int>(rng() % 100) < pct; };
  auto take_any = [&]() -> Json {
    if (q.empty()) return nullptr;
    auto it = std::next(q.begin(), static_cast<long>(rng() % q.size()));
    const int64_t x = *it;
    q.erase(it);
    return x;
  };
  // Applies an op's effect now; returns (outcome, completion value).
  auto effect = [&](const Op& inv) -> std::pair<OpType, Json> {
    const int r = static_cast<int>(rng() % 100);
    const OpType t = r < 10 ? OpType::Fail : r < 25 ? OpType::Info : OpType::Ok;
    const bool applies = t == OpType::Ok || (t == OpType::Info && coin(50));
    if (inv.f == "enqueue") {
      if (applies) q.insert(inv.value.get<int64_t>());
      return {t, inv.value};
    }
    if (inv.f == "drain") {
      Json taken = Json::array();
      for (Json x = take_any(); !x.is_null(); x = take_any()) taken.push_back(x);
      return {OpType::Ok, Json{{"dequeued", taken}, {"empty", true}}};
    }
    Json x = applies ? take_any() : Json();
    if (t == OpType::Info) return {t, x.is_null() || coin(50) ? Json() : Json{{"maybe", x}}};
    return {t, t == OpType::Ok ? x : Json()};
  };
  random_history(
      rng, events + 6,
      [&](int64_t p, int e) {
        const int64_t inv = e >= events          ? b.invoke(p, "drain")
                            : coin(50) && next_x < 6 ? b.invoke(p, "enqueue", next_x++)
                                                     : b.invoke(p, "dequeue");
        if (coin(50)) pending[p] = effect(b.h[static_cast<size_t>(inv)]);  // at invocation
      },
      [&](int64_t p, int) {
        if (!pending.count(p)) pending[p] = effect(b.h[b.open.at(p)]);  // at completion
        auto [t, v] = pending[p];
        pending.erase(p);
        if (b.h[b.open.at(p)].f == "dequeue" && t == OpType::Ok && coin(12)) {
          ++falsified;
          const int k = static_cast<int>(rng() % 3);
          v = k == 0 ? Json() : k == 1 ? Json(static_cast<int64_t>(rng() % 6)) : Json(77);
        }
        b.complete(p, t, v);
        return t;
      });
  return b.h;
}

}  // namespace

TEST_CASE("queue workload: linearizability sub-check agrees with a brute-force oracle",
          "[queue][oracle]") {
  auto w = make_workload("queue");
  REQUIRE(w);
  std::mt19937_64 rng(20261203);
  int lin = 0, not_lin = 0, falsified = 0, with_info = 0, with_drain_overlap = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    const History h = generate(rng, falsified);
    const std::vector<QOp> ops = main_phase(h);
    const bool oracle = linearizable(ops);
    const Json r = w->check(h, WorkloadOptions{});
    std::string text;
    for (const Op& op : h.ops()) text += op_to_json(op).dump() + "\n";
    INFO("iteration " << iter << " oracle " << (oracle ? "linearizable" : "not linearizable")
                      << "\n" << text << r.dump());
    REQUIRE(r.at("linearizable").at("valid") == oracle);
    if (!oracle) REQUIRE(r.at("valid") == false);
    (oracle ? lin : not_lin)++;
    for (const QOp& o : ops) {
      if (!o.required && o.enqueue) ++with_info;
      if (o.after_drain) ++with_drain_overlap;
    }
  }
  WARN("linearizable " << lin << ", not linearizable " << not_lin << ", falsified replies "
                       << falsified << ", info enqueues " << with_info
                       << ", empty dequeues after a drain began " << with_drain_overlap);
  CHECK(lin >= 200);
  CHECK(not_lin >= 200);
  CHECK(with_info >= 100);
  CHECK(with_drain_overlap >= 20);
}

// The oracle itself on the two hand-made cases of queue_workload_test.cpp.
TEST_CASE("queue oracle: a false empty, and an empty overlapping a drain", "[queue][oracle]") {
  HistoryBuilder c;
  c.invoke(0, "enqueue", 0);
  c.complete(0, OpType::Ok, 0);
  c.invoke(1, "dequeue");
  c.complete(1, OpType::Ok);  // empty, though 0 is queued
  c.invoke(0, "drain");
  c.complete(0, OpType::Ok, Json{{"dequeued", {0}}, {"empty", true}});
  CHECK_FALSE(main_phase_linearizable(c.h));
  HistoryBuilder b;
  b.invoke(0, "enqueue", 0);
  b.complete(0, OpType::Ok, 0);
  b.invoke(1, "dequeue");  // still open when process 0 begins its drain
  b.invoke(0, "drain");
  b.complete(1, OpType::Ok);  // empty: the drain took 0 first
  b.complete(0, OpType::Ok, Json{{"dequeued", {0}}, {"empty", true}});
  CHECK(main_phase_linearizable(b.h));
}
