// Checker benchmark (plain timing executable; figures recorded in bench/RESULTS.md).
//
//   faultline_checker_bench [--corpus DIR] [--runs N] [SCENARIO...]
//
// Scenarios (default: all):
//   etcd         every porcupine/etcd/*.log of the corpus, cas-register: total check time
//   etcd-002     porcupine/etcd/etcd_002.log alone
//   kv-2k        generated 2,000-op, 50-client, 50-key append/get history, model kv
//   register-1m  generated 1,000,000-op, 1,000-key register history, model cas-register, plus
//                the process's peak RSS
//   kv50         the 19 histories of bench/corpus-hard/kv50, model kv, each beside Porcupine's
//                verdict and time (porcupine-times.tsv)
//   gen-kv       seeded 2,000-op, 10-key kv histories at 20, 50 and 100 clients: valid, and
//                with a planted stale read / lost append on one key and on five keys
//   budget       how close --time-limit and --memory-limit are honoured on a hard history
// Parse and pairing time are reported apart from check time. Each scenario checks N times
// (default 20, register-1m once) and prints min and median per run of the check alone.
// --no-prune runs the previous search (ConsistencyOptions::prune = false) for comparison.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "checker_bench_hard.h"
#include "checker_history_gen.h"
#include "faultline/checker/linearizability.h"
#include "faultline/checker/model_registry.h"
#include "faultline/core/formats.h"

using namespace faultline;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Timing {
  double min_ms = 0, median_ms = 0;
  double cpu_ms = 0;   // mean CPU time per run, all threads
};

Timing summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v.front(), v[v.size() / 2]};
}

// CPU seconds (user + system, all threads) this process has used so far.
double cpu_ms() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// Checks every history once per run; returns per-run totals. Fails loudly on a wrong verdict.
Timing time_checks(const std::vector<History>& hs, const std::vector<Verdict>& expected,
                   const checker::Model& model, int runs) {
  std::vector<double> totals;
  const double cpu0 = cpu_ms();
  for (int r = 0; r < runs; ++r) {
    double total = 0;
    for (size_t i = 0; i < hs.size(); ++i) {
      const auto t0 = Clock::now();
      CheckResult res = checker::check_linearizable(hs[i], model);
      total += ms_since(t0);
      if (res.verdict != expected[i]) {
        std::fprintf(stderr, "wrong verdict %s on history %zu\n",
                     std::string(to_string(res.verdict)).c_str(), i);
        std::exit(1);
      }
    }
    totals.push_back(total);
  }
  Timing t = summarize(totals);
  t.cpu_ms = (cpu_ms() - cpu0) / runs;
  return t;
}

int etcd(const std::string& corpus, int runs, bool only_002) {
  const std::filesystem::path dir = std::filesystem::path(corpus) / "porcupine" / "etcd";
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".log" && (!only_002 || name == "etcd_002.log")) {
      files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "no etcd histories under %s\n", dir.c_str());
    return 254;
  }
  const auto t0 = Clock::now();
  std::vector<History> hs;
  for (const auto& f : files) {
    hs.push_back(read_history_file(f, HistoryFormat::JepsenLog));
    hs.back().pair();
  }
  const double parse_ms = ms_since(t0);
  auto model = checker::make_model("cas-register");
  std::vector<Verdict> expected;
  for (const auto& h : hs) expected.push_back(checker::check_linearizable(h, *model).verdict);
  const Timing t = time_checks(hs, expected, *model, runs);
  size_t valid = std::count(expected.begin(), expected.end(), Verdict::Valid);
  std::printf("%-12s %zu histories (%zu valid)  parse+pair %.2f ms  check total: median %.2f ms,"
              " min %.2f ms, cpu %.2f ms per run over %d runs\n",
              only_002 ? "etcd-002" : "etcd", hs.size(), valid, parse_ms, t.median_ms, t.min_ms,
              t.cpu_ms, runs);
  return 0;
}

int generated(const char* label, const bench::GenSpec& spec, const char* model_name, int runs) {
  auto t0 = Clock::now();
  History h = bench::generate_history(spec);
  const double gen_ms = ms_since(t0);
  t0 = Clock::now();
  h.pair();
  const double pair_ms = ms_since(t0);
  auto model = checker::make_model(model_name);
  std::vector<double> times;
  CheckResult res;
  const double cpu0 = cpu_ms();
  for (int r = 0; r < runs; ++r) {
    t0 = Clock::now();
    res = checker::check_linearizable(h, *model);
    times.push_back(ms_since(t0));
    if (res.verdict != Verdict::Valid) {
      std::fprintf(stderr, "%s: expected valid, got %s: %s\n", label,
                   std::string(to_string(res.verdict)).c_str(), res.to_json().dump().c_str());
      return 1;
    }
  }
  const double cpu_per_run = (cpu_ms() - cpu0) / runs;
  const Timing t = summarize(times);
  std::printf("%-12s %lld ops, %d clients, %d keys  generate %.1f ms  pair %.1f ms  check: median"
              " %.2f ms, min %.2f ms, cpu %.2f ms per run over %d runs (last run: compile %.1f ms,"
              " search %.1f ms)  peak RSS %.0f MB\n",
              label, static_cast<long long>(spec.ops), spec.clients, spec.keys, gen_ms, pair_ms,
              t.median_ms, t.min_ms, cpu_per_run, runs, res.stats.value("compile_ms", 0.0),
              res.stats.value("search_ms", 0.0), peak_rss_mb());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus = FAULTLINE_CORPUS_DIR;
  int runs = 20;
  std::vector<std::string> scenarios;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--corpus") && i + 1 < argc) {
      corpus = argv[++i];
    } else if (!std::strcmp(argv[i], "--no-prune")) {
      bench::g_prune = false;
    } else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "usage: %s [--corpus DIR] [--runs N] [--no-prune] [etcd|etcd-002|kv-2k|register-1m|kv50|gen-kv|budget]...\n",
                   argv[0]);
      return 254;
    } else {
      scenarios.push_back(argv[i]);
    }
  }
  if (scenarios.empty()) scenarios = {"etcd", "etcd-002", "kv-2k", "register-1m"};
  for (const auto& s : scenarios) {
    int rc = 0;
    if (s == "etcd" || s == "etcd-002") {
      rc = etcd(corpus, runs, s == "etcd-002");
    } else if (s == "kv-2k") {
      bench::GenSpec spec;
      spec.workload = bench::GeneratedWorkload::KvAppendGet;
      spec.ops = 2000;
      spec.clients = 50;
      spec.keys = 50;
      rc = generated("kv-2k", spec, "kv", runs);
    } else if (s == "kv50") {
      rc = bench::kv50(FAULTLINE_HARD_CORPUS_DIR, runs);
    } else if (s == "gen-kv") {
      rc = bench::gen_kv(runs);
    } else if (s == "budget") {
      rc = bench::budget();
    } else if (s == "register-1m") {
      bench::GenSpec spec;
      spec.workload = bench::GeneratedWorkload::RegisterReadWrite;
      spec.ops = 1000000;
      spec.clients = 100;
      spec.keys = 1000;
      rc = generated("register-1m", spec, "cas-register", 1);
    } else {
      std::fprintf(stderr, "unknown scenario %s\n", s.c_str());
      return 254;
    }
    if (rc != 0) return rc;
  }
  return 0;
}
