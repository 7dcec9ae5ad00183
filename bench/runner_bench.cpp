// Harness overhead of `faultline test`: the noop workload on system `none` (no nodes, no
// nemesis), so every op is generator + client thread + history line (JSON, flushed per
// completion) + schedule line. Prints ops recorded per second of main phase for each
// concurrency. Usage: faultline_runner_bench [seconds=3] [concurrency...=1 2 4 8]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "faultline/runner/run.h"

int main(int argc, char** argv) {
  using namespace faultline::runner;
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  std::vector<int> conc;
  for (int i = 2; i < argc; ++i) conc.push_back(std::atoi(argv[i]));
  if (conc.empty()) conc = {1, 2, 4, 8};
  char tmpl[] = "/tmp/faultline-runner-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) return 1;
  int rc = 0;
  for (int c : conc) {
    TestSpec s;
    s.system = "none";
    s.workload = "noop";
    s.time_limit_s = seconds;
    s.concurrency = c;
    s.store = tmpl;
    RunOptions ro;
    ro.progress = false;
    RunOutcome o = run_test(s, ro);
    const double secs = o.results["timings_s"]["main_phase_end"].get<double>() -
                        o.results["timings_s"]["setup"].get<double>();
    const double ops = o.results["stats"]["invocations"].get<double>();
    std::printf("concurrency %2d: %10.0f ops in %.2f s = %9.0f ops/s  (%s, history %lld lines)\n", c,
                ops, secs, ops / secs, o.results["valid"].dump().c_str(),
                static_cast<long long>(o.results["stats"]["history_ops"].get<int64_t>()));
    if (o.exit_code != 0) rc = 1;
  }
  std::filesystem::remove_all(tmpl);
  return rc;
}
