// HTML report build time and size for a large history (figures in bench/RESULTS.md).
//   faultline_report_bench [OPS=100000] [OUT.html]
// Builds a history of OPS client operations (invoke + completion each; 10 processes, ~5% fail,
// ~1% info with fresh processes after, a partition window every 10 s), then times
// build_report (composed checkers, anomalies, plots, timeline data) over 5 runs and prints the
// median, min and the page size. OUT.html (if given) receives the page, for the browser's
// first-screen timing (tests/reports/browser/report_browser_test.js --bench).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "faultline/reports/report.h"

using namespace faultline;

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::stoll(argv[1]) : 100000;
  std::mt19937_64 rng(42);
  History h;
  std::vector<int64_t> proc(10);
  for (int i = 0; i < 10; ++i) proc[static_cast<size_t>(i)] = i;
  std::vector<int64_t> lane_free(10, 0);  // a process runs one op at a time
  int64_t next_proc = 10, t = 0;
  for (int64_t i = 0; i < n; ++i) {
    const size_t lane = static_cast<size_t>(i % 10);
    t += 100000 + static_cast<int64_t>(rng() % 50000);  // ~8k ops/s
    if (i % 20000 == 5000 && i % 10 == 0) {
      Op s;
      s.process = kNemesisProcess;
      s.f = (i / 20000) % 2 ? "stop-partition" : "start-partition";
      s.time_ns = t;
      s.value = "n1 n2 | n3";
      h.add(s);
      s.type = OpType::Info;
      h.add(s);
    }
    Op a;
    a.process = proc[lane];
    a.time_ns = std::max(t, lane_free[lane] + 10000);
    a.f = i % 3 == 0 ? "write" : i % 3 == 1 ? "read" : "cas";
    a.key = static_cast<int64_t>(i % 7);
    a.value = a.f == "read" ? Json() : a.f == "cas" ? Json::array({i % 5, (i + 1) % 5}) : Json(i % 5);
    h.add(a);
    const uint64_t r = rng() % 100;
    a.type = r < 94 ? OpType::Ok : r < 99 ? OpType::Fail : OpType::Info;
    a.time_ns += 200000 + static_cast<int64_t>(rng() % 3000000);
    lane_free[lane] = a.time_ns;
    if (a.f == "read" && a.type == OpType::Ok) a.value = static_cast<int64_t>(rng() % 5);
    if (a.type == OpType::Fail) a.error = "timeout <no leader>";
    h.add(a);
    if (a.type == OpType::Info) proc[lane] = next_proc++;
  }
  std::stable_sort(h.mutable_ops().begin(), h.mutable_ops().end(),
                   [](const Op& x, const Op& y) { return x.time_ns < y.time_ns; });
  for (size_t i = 0; i < h.size(); ++i) h.mutable_ops()[i].index = static_cast<int64_t>(i);
  h.pair();
  reports::ReportInput in;
  in.title = "bench " + std::to_string(n) + " ops";
  in.results = {{"valid", true}, {"workload", {{"valid", true}, {"model", "cas-register"}}}};
  std::vector<double> ms, cpu;
  std::string page;
  for (int run = 0; run < 5; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();  // this process's CPU time: less swayed by a busy machine
    page = reports::build_report(in, h);
    cpu.push_back(1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf("ops=%lld history_lines=%zu build_ms median=%.0f min=%.0f cpu_ms median=%.0f page_bytes=%zu (%.2f MB)\n",
              static_cast<long long>(n), h.size(), ms[2], ms[0], cpu[2], page.size(), page.size() / 1048576.0);
  if (argc > 2) std::ofstream(argv[2], std::ios::binary) << page;
  return 0;
}
