// Hard-history scenarios of faultline_checker_bench (checker_bench_hard.h).
#include "checker_bench_hard.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "checker_history_gen.h"
#include "faultline/checker/linearizability.h"
#include "faultline/checker/model_registry.h"
#include "faultline/core/formats.h"

namespace faultline::bench {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Runs {
  double median_ms = 0, min_ms = 0;
  double cpu_ms = 0;   // mean CPU time (user + system, all threads) per run
  CheckResult last;
};

double cpu_now_ms() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

// Checks h `runs` times with the kv model (or `model_name`); median and min wall time.
Runs time_check(const History& h, int runs, const checker::ConsistencyOptions& o,
                const char* model_name = "kv") {
  auto model = checker::make_model(model_name);
  std::vector<double> ms;
  Runs r;
  const double cpu0 = cpu_now_ms();
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    r.last = checker::check_consistency(h, *model, o);
    ms.push_back(ms_since(t0));
  }
  r.cpu_ms = (cpu_now_ms() - cpu0) / runs;
  std::sort(ms.begin(), ms.end());
  r.median_ms = ms[ms.size() / 2];
  r.min_ms = ms.front();
  return r;
}

checker::ConsistencyOptions options() {
  checker::ConsistencyOptions o;
  o.prune = g_prune;
  o.time_limit_s = 60;
  return o;
}

std::string verdict_name(Verdict v) { return std::string(to_string(v)); }

}  // namespace

int kv50(const std::string& dir, int runs) {
  std::ifstream tsv(dir + "/kv50/porcupine-times.tsv");
  if (!tsv) {
    std::fprintf(stderr, "cannot read %s/kv50/porcupine-times.tsv\n", dir.c_str());
    return 254;
  }
  std::string line;
  std::getline(tsv, line);  // header
  int wrong = 0;
  double total_ms = 0, total_porcupine = 0;
  std::printf("%-26s %-8s %-10s %11s %11s %9s %13s %8s\n", "file", "verdict", "porcupine",
              "median ms", "min ms", "cpu ms", "porcupine ms", "speedup");
  while (std::getline(tsv, line)) {
    std::istringstream in(line);
    std::string file, pverdict, pms;
    std::getline(in, file, '\t');
    std::getline(in, pverdict, '\t');
    std::getline(in, pms, '\t');
    History h = read_history_file(dir + "/kv50/" + file, HistoryFormat::Auto);
    h.pair();
    const Runs r = time_check(h, runs, options());
    const std::string v = verdict_name(r.last.verdict);
    const double porcupine_ms = std::stod(pms);
    const bool comparable = pverdict == "valid" || pverdict == "invalid";
    if (comparable && v != pverdict) ++wrong;
    total_ms += r.median_ms;
    total_porcupine += porcupine_ms;
    std::printf("%-26s %-8s %-10s %11.2f %11.2f %9.2f %13.0f %7.0fx%s\n", file.c_str(),
                v.c_str(), comparable ? pverdict.c_str() : "unknown", r.median_ms, r.min_ms,
                r.cpu_ms, porcupine_ms,
                porcupine_ms / std::max(r.median_ms, 1e-3),
                comparable && v != pverdict ? "  VERDICTS DIFFER" : "");
  }
  std::printf("kv50 total: faultline %.1f ms, Porcupine %.0f ms (%d verdicts differ)\n", total_ms,
              total_porcupine, wrong);
  return wrong == 0 ? 0 : 1;
}

int gen_kv(int runs) {
  struct Case {
    const char* name;
    PlantedBug plant;
    int keys;
  };
  const Case cases[] = {{"valid", PlantedBug::None, 0},
                        {"stale-read x1", PlantedBug::StaleRead, 1},
                        {"stale-read x5", PlantedBug::StaleRead, 5},
                        {"lost-append x1", PlantedBug::LostAppend, 1},
                        {"lost-append x5", PlantedBug::LostAppend, 5}};
  int wrong = 0;
  std::printf("%-8s %-16s %-5s %-8s %11s %11s %9s %10s %10s %10s\n", "clients", "case", "seed",
              "verdict", "median ms", "min ms", "cpu ms", "compile ms", "search ms", "steps");
  for (int clients : {20, 50, 100}) {
    for (const Case& c : cases) {
      for (uint64_t seed = 1; seed <= 3; ++seed) {
        GenSpec spec;
        spec.workload = GeneratedWorkload::KvAppendGet;
        spec.ops = 2000;
        spec.clients = clients;
        spec.keys = 10;
        spec.seed = seed;
        spec.plant = c.plant;
        spec.plant_keys = c.keys;
        Generated g = generate(spec);
        if (g.planted != c.keys) continue;  // no spot for the bug in this history
        g.history.pair();
        const Runs r = time_check(g.history, runs, options());
        const Verdict want = c.plant == PlantedBug::None ? Verdict::Valid : Verdict::Invalid;
        wrong += r.last.verdict != want && r.last.verdict != Verdict::Unknown;
        std::printf("%-8d %-16s %-5llu %-8s %11.2f %11.2f %9.2f %10.2f %10.2f %10lld%s\n",
                    clients, c.name, static_cast<unsigned long long>(seed),
                    verdict_name(r.last.verdict).c_str(), r.median_ms, r.min_ms, r.cpu_ms,
                    r.last.stats.value("compile_ms", 0.0), r.last.stats.value("search_ms", 0.0),
                    static_cast<long long>(r.last.stats.value("steps", int64_t{0})),
                    r.last.verdict != want ? "  UNEXPECTED" : "");
      }
    }
  }
  return wrong == 0 ? 0 : 1;
}

int budget() {
  History hard = hard_register_history(48);
  hard.pair();
  std::printf("time limit (hard_register_history(48), cas-register): limit s, wall s, over %%\n");
  for (double limit : {0.1, 0.5, 1.0, 2.0, 5.0}) {
    checker::ConsistencyOptions o;
    o.time_limit_s = limit;
    const Runs r = time_check(hard, 1, o, "cas-register");
    std::printf("  %5.1f  %7.3f  %+6.1f%%  %s (%s)\n", limit, r.median_ms / 1e3,
                (r.median_ms / 1e3 - limit) / limit * 100, verdict_name(r.last.verdict).c_str(),
                r.last.reason.c_str());
  }
  std::printf("memory limit: limit MiB, charged at the end (memo + model tables) MiB, wall s\n");
  for (double mb : {16.0, 64.0, 256.0}) {
    for (const char* model : {"cas-register", "kv"}) {
      checker::ConsistencyOptions o;
      o.memory_limit_bytes = static_cast<uint64_t>(mb * (1 << 20));
      o.time_limit_s = 300;
      o.prune = false;
      const Runs r = time_check(hard, 1, o, model);
      const double used = (r.last.stats.value("memo_bytes", 0.0) +
                           r.last.stats.value("model_state_bytes", 0.0)) / (1 << 20);
      std::printf("  %-12s %6.0f  %8.2f  %7.3f  %s (%s)\n", model, mb, used, r.median_ms / 1e3,
                  verdict_name(r.last.verdict).c_str(), r.last.reason.c_str());
    }
  }
  return 0;
}

}  // namespace faultline::bench
