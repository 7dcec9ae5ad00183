// Benchmarks of the transactional (Elle-class) and causal checkers on generated histories.
// Prints generation time, check time and peak RSS; results are recorded in bench/RESULTS.md
// ("Transactional and causal"). Usage: faultline_txn_causal_bench [txns] [causal_ops]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "faultline/checker/causal/check_causal.h"
#include "faultline/checker/txn/check_transactional.h"
#include "txn_history_generator.h"

using namespace faultline;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t txns = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
  auto t0 = std::chrono::steady_clock::now();
  History h = bench::list_append_history(txns, 42);
  const double gen_s = seconds_since(t0);
  std::printf("list-append: generated %lld txns (%zu ops) in %.2f s, peak RSS %.0f MB\n",
              static_cast<long long>(txns), h.size(), gen_s, peak_rss_mb());
  checker::txn::TxnCheckOptions o;
  o.consistency = "strict-serializable";
  t0 = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds();
  const CheckResult r = checker::txn::check_transactional(h, o);
  const double check_s = seconds_since(t0);
  const double check_cpu_s = cpu_seconds() - cpu0;
  std::printf("list-append: check %s in %.2f s wall, %.2f s CPU (stats %s), peak RSS %.0f MB, "
              "anomalies %s\n",
              std::string(to_string(r.verdict)).c_str(), check_s, check_cpu_s,
              r.stats.dump().c_str(), peak_rss_mb(),
              r.witness["anomaly_types"].dump().c_str());
  const int64_t causal_ops = argc > 2 ? std::atoll(argv[2]) : 100'000;
  const History ch = bench::causal_register_history(causal_ops, 7);
  bool all_valid = r.verdict == Verdict::Valid;
  for (auto m : {checker::causal::CausalModel::CC, checker::causal::CausalModel::CM,
                 checker::causal::CausalModel::CCv}) {
    checker::causal::CausalOptions co;
    co.model = m;
    t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    const CheckResult cr = checker::causal::check_causal(ch, co);
    std::printf("causal %s: %lld ops, %s in %.2f s wall, %.2f s CPU, peak RSS %.0f MB\n",
                checker::causal::to_string(m).c_str(), static_cast<long long>(causal_ops),
                std::string(to_string(cr.verdict)).c_str(), seconds_since(t0),
                cpu_seconds() - c0, peak_rss_mb());
    all_valid &= cr.verdict == Verdict::Valid;
  }
  t0 = std::chrono::steady_clock::now();
  const double c1 = cpu_seconds();
  const CheckResult sr = checker::causal::check_session_guarantees(ch, {});
  std::printf("session guarantees: %s in %.2f s wall, %.2f s CPU\n",
              std::string(to_string(sr.verdict)).c_str(), seconds_since(t0), cpu_seconds() - c1);
  all_valid &= sr.verdict == Verdict::Valid;
  return all_valid ? 0 : 1;
}
