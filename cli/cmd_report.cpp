// `faultline report RUN_DIR...`: (re)writes report.html of stored runs (a run dir, a
// <test>/latest link or a test dir) and prints each run's summary. Exit: the worst verdict of
// the runs as `check` gives it (0 valid, 1 invalid, 2 unknown), 254 when a run cannot be read.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

#include "command.h"
#include "faultline/reports/run_report.h"
#include "faultline/runner/run.h"
#include "faultline/runner/store.h"

namespace faultline::cli {
namespace {

struct ReportArgs {
  std::vector<std::string> runs;
};

int run_report(const ReportArgs& a) {
  int code = kExitValid;
  for (const auto& r : a.runs) {
    try {
      const std::string dir = runner::resolve_run_dir(r);
      std::string summary;
      reports::write_run_report(dir, &summary);
      std::cout << dir << ":\n" << summary;
      Json results = Json::object();
      try {
        results = runner::read_json_file(dir + "/results.json");
      } catch (const std::exception&) {
      }
      const int c = results.is_object() && results.contains("valid") ? runner::exit_code_for(results) : kExitUnknown;
      if (c == kExitInvalid || code == kExitInvalid) code = kExitInvalid;
      else if (c != kExitValid) code = kExitUnknown;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "faultline report: %s\n", e.what());
      return kExitBadArgs;
    }
  }
  return code;
}

CommandRun setup_report(CLI::App& sub) {
  auto args = std::make_shared<ReportArgs>();
  sub.add_option("runs", args->runs, "Stored runs: a run dir, store/<test>/latest, or a test dir")->required();
  return [args] { return run_report(*args); };
}

const CommandRegistrar reg("report", "Write report.html of stored runs (HTML anomaly report)", &setup_report);

}  // namespace
}  // namespace faultline::cli
