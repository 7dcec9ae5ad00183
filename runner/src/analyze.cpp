// Judging a run: the workload options a spec means, the exit code of a results object, and the
// re-analysis of a stored run (Jepsen's analyze).
#include <fstream>
#include <stdexcept>

#include <faultline/core/history.h>
#include <faultline/reports/checkers.h>
#include <faultline/reports/run_report.h>
#include <faultline/workloads/workload.h>

#include "faultline/runner/run.h"
#include "faultline/runner/store.h"
#include "run_analysis.h"

namespace faultline::runner {

namespace detail {

workloads::WorkloadOptions workload_options(const TestSpec& spec) {
  workloads::WorkloadOptions wopts;
  wopts.concurrency = spec.concurrency;
  wopts.time_limit_ns = static_cast<int64_t>(spec.time_limit_s * 1e9);
  wopts.params = spec.workload_params;
  wopts.key_count = spec.workload_params.value("key_count", int64_t{0});
  wopts.ops_per_key = spec.workload_params.value("ops_per_key", int64_t{0});
  wopts.keys_in_flight = spec.workload_params.value("keys_in_flight", 0);
  wopts.check_timeout_s = spec.workload_params.value("check_timeout_s", 60.0);
  return wopts;
}

}  // namespace detail

int exit_code_for(const Json& results) {
  const Json v = results.value("valid", Json("unknown"));
  if (v == false) return 1;
  if (results.value("crashed", false)) return 255;
  if (v == true) return 0;
  return 2;
}

RunOutcome check_stored_run(const std::string& run_dir_in) {
  const std::string dir = resolve_run_dir(run_dir_in);
  TestSpec spec = spec_from_json(read_json_file(dir + "/test.json"));
  auto workload = workloads::make_workload(spec.workload);
  workloads::WorkloadOptions wopts = detail::workload_options(spec);
  workloads::GeneratorConfig unused;
  workload->configure(unused, wopts);  // the workload's contract: configure() before check()

  // The history, tolerating a torn last line (the run was killed mid-write).
  std::ifstream in(dir + "/history.jsonl");
  if (!in) throw std::runtime_error("cannot read " + dir + "/history.jsonl");
  std::vector<Op> ops;
  std::string line, pending_error;
  int64_t lineno = 0;
  bool torn = false;
  while (std::getline(in, line)) {
    ++lineno;
    if (!pending_error.empty()) throw std::runtime_error(pending_error);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      pending_error = dir + "/history.jsonl:" + std::to_string(lineno) + ": not JSON";
      torn = true;
      continue;
    }
    ops.push_back(op_from_json(std::move(j)));
  }
  History history(std::move(ops));
  Json prev = Json::object();
  try {
    prev = read_json_file(dir + "/results.json");
  } catch (const std::exception&) {
  }
  Json wres;
  Json errors = prev.value("errors", Json::array());
  try {
    wres = workload->check(history, wopts);
  } catch (const std::exception& e) {
    wres = {{"valid", "unknown"}, {"error", e.what()}};
    errors.push_back({{"phase", "check"}, {"error", e.what()}});
  }
  Json results = prev.is_object() ? prev : Json::object();
  results["valid"] = wres.value("valid", Json("unknown"));
  results["workload"] = wres;
  results["errors"] = errors;
  results["reanalysed"] = true;
  results["torn_last_line"] = torn;
  if (!prev.contains("crashed")) results["crashed"] = false;  // the run never finished itself
  if (!prev.contains("stats")) results["stats"] = {{"history_ops", history.size()}};
  results["run_dir"] = dir;
  results["checkers"] = reports::composed_checkers(history);  // stats, perf, availability
  results["exit_code"] = exit_code_for(results);
  write_json_file(dir + "/results.json", results);
  try {
    reports::write_run_report(dir);
  } catch (const std::exception& e) {
    results["errors"].push_back({{"phase", "report"}, {"error", e.what()}});
  }
  RunOutcome o;
  o.run_dir = dir;
  o.exit_code = results["exit_code"];
  o.results = std::move(results);
  return o;
}

}  // namespace faultline::runner
