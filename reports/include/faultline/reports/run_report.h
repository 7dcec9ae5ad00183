// Reports of stored runs (the store layout is in runner/include/faultline/runner/store.h):
//
//   write_run_report(run_dir)   reads test.json, results.json (absent for a run still going or
//                               killed: the composed checkers are then computed and the workload
//                               verdict is "unknown") and history.jsonl (a torn or bad line is
//                               skipped and named in the page's errors), lists the run's files
//                               (node logs included) and writes <run_dir>/report.html via a
//                               temporary file + rename. Returns the report's path and fills
//                               `summary` (if not null) with the terminal summary. Throws
//                               std::runtime_error naming the path when the run dir cannot be
//                               read or the report cannot be written.
//   run_summary(run_dir)        the terminal summary (report.h) of a stored run, from its
//                               test.json and results.json, naming its report.html.
//   reproduce_command(spec)     `faultline test ...` flags that re-run a test.json.
//   read_history_lenient(path)  the ops of a JSONL history, skipping lines that do not parse
//                               (each named "path:line: why" in `bad_lines`), paired.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/core/history.h"

namespace faultline::reports {

std::string write_run_report(const std::string& run_dir, std::string* summary = nullptr);
std::string run_summary(const std::string& run_dir);
std::string reproduce_command(const nlohmann::json& spec);
History read_history_lenient(const std::string& path, std::vector<std::string>* bad_lines);

}  // namespace faultline::reports
