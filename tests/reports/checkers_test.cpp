// Composed checkers: stats, perf and availability on a history with one fault window.
#include <catch2/catch.hpp>

#include "faultline/reports/checkers.h"
#include "faultline/reports/spans.h"

using namespace faultline;
using namespace faultline::reports;

namespace {

void op(History& h, int64_t p, const char* f, OpType done, int64_t t0, int64_t t1) {
  Op a;
  a.process = p;
  a.f = f;
  a.time_ns = t0;
  h.add(a);
  a.type = done;
  a.time_ns = t1;
  h.add(a);
}

void nemesis(History& h, const char* f, int64_t t) {
  Op a;
  a.process = kNemesisProcess;
  a.f = f;
  a.time_ns = t;
  h.add(a);
  a.type = OpType::Info;
  a.time_ns = t + 1000;
  h.add(a);
}

const int64_t kMs = 1'000'000;

// Ops every 10 ms for 3 s on 2 processes; writes fail and reads time out inside 1-2 s.
History faulty_history() {
  History h;
  for (int64_t t = 0; t < 3000; t += 10) {
    const bool in_fault = t >= 1000 && t < 2000;
    if (t == 1000) nemesis(h, "start-partition", t * kMs - 500);
    if (t == 2000) nemesis(h, "stop-partition", t * kMs - 500);
    op(h, 0, "write", in_fault ? OpType::Fail : OpType::Ok, t * kMs, t * kMs + 2 * kMs);
    op(h, 1, "read", in_fault ? OpType::Info : OpType::Ok, t * kMs + kMs, t * kMs + 4 * kMs);
  }
  h.pair();
  return h;
}

}  // namespace

TEST_CASE("fault windows and lanes from a history", "[reports]") {
  const History h = faulty_history();
  const HistoryView v = make_view(h);
  REQUIRE(v.windows.size() == 1);
  CHECK(v.windows[0].kind == "partition");
  CHECK(v.windows[0].start_ns == 1000 * kMs - 500);
  CHECK(v.windows[0].end_ns == 2000 * kMs + 500);
  CHECK_FALSE(v.windows[0].open_at_end);
  CHECK(v.spans.size() == 600);
  // An info retires process 1: each later read gets a fresh lane.
  CHECK(v.lane_process.size() > 2);
  CHECK(windows_overlapping(v, 1500 * kMs, 1500 * kMs).size() == 1);
  CHECK(windows_overlapping(v, 500 * kMs, 600 * kMs).empty());
}

TEST_CASE("stats, perf and availability checkers", "[reports]") {
  const History h = faulty_history();
  const Json c = composed_checkers(h);
  REQUIRE(c.contains("stats"));
  const Json& st = c["stats"];
  CHECK(st["valid"] == true);
  CHECK(st["by_f"]["write"]["count"] == 300);
  CHECK(st["by_f"]["write"]["fail"] == 100);
  CHECK(st["by_f"]["read"]["info"] == 100);
  CHECK(st["all"]["ok"] == 400);

  const Json& perf = c["perf"];
  CHECK(perf["valid"] == true);
  CHECK(perf["latency_ms"]["write"]["p50"] == Approx(2.0));
  CHECK(perf["latency_ms"]["read"]["max"] == Approx(3.0));
  CHECK(perf["fault_windows"].size() == 1);
  CHECK(perf["throughput"]["write"]["ops_per_s"].get<double>() == Approx(100).epsilon(0.02));

  const Json& av = c["availability"];
  CHECK(av["valid"] == true);
  CHECK(av["outside_faults"]["ok_share"] == 1.0);
  REQUIRE(av["in_faults"].size() == 1);
  CHECK(av["in_faults"][0]["ok"] == 0);
  CHECK(av["in_faults"][0]["completed"].get<int64_t>() >= 199);
}

TEST_CASE("checkers without client ops say unknown; no ok at all is invalid", "[reports]") {
  History empty;
  const Json c = composed_checkers(empty);
  CHECK(c["stats"]["valid"] == "unknown");
  CHECK(c["perf"]["valid"] == "unknown");
  CHECK(c["availability"]["valid"] == "unknown");
  History down;
  op(down, 0, "read", OpType::Fail, 0, kMs);
  const Json d = composed_checkers(down);
  CHECK(d["stats"]["valid"] == false);
  CHECK(d["stats"]["never_ok"] == Json::array({"read"}));
  CHECK(d["availability"]["valid"] == false);
  History bad;  // a completion without invocation cannot be paired
  Op x;
  x.process = 0;
  x.type = OpType::Ok;
  bad.add(x);
  CHECK(composed_checkers(bad).contains("error"));
}
