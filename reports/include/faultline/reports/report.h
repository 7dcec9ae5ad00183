// The HTML anomaly report: one self-contained page (inline CSS, JS and SVG; it fetches nothing)
// per run or per checked history file.
//
// Sections, in order: header (test name, spec, system, bug, nemesis, duration, each checker's
// verdict in colour, the command that reproduces the run); errors of the run; anomalies (each
// explained in words, linked to its ops — a click scrolls the timeline to them and highlights
// them — and to the fault windows active then); linearizability counterexamples (longest
// linearizable prefixes, the op that cannot be placed, the model state before and after each
// step); transactional cycles (edges explained, Graphviz diagram); the timeline (a lane per
// process, ops as bars from invocation to completion coloured by outcome, fault windows shaded,
// details on hover/click; drawn by JS on a canvas from the visible window only); latency and
// throughput plots; stats and availability tables; links to the run's files.
//
// Escaping: every value from the history, spec or results is HTML-escaped in markup; the ops
// the timeline draws sit in one <script type="application/json"> block written with
// script_json (escape.h), so "</script>" or "<!--" in a value cannot end it.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/core/history.h"

namespace faultline::reports {

struct FileLink {
  std::string label;  // shown text
  std::string href;   // relative to the page (percent-encoded by the builder)
};

struct ReportInput {
  std::string title;                           // e.g. the test name or the history file
  nlohmann::json spec = nlohmann::json();      // test.json, or null for `faultline check`
  nlohmann::json results = nlohmann::json::object();  // results.json shape: valid, workload, ...
  std::string model;                           // model name for linearizability replays ("" = from results)
  std::string reproduce;                       // command line that reproduces the run
  std::vector<FileLink> files;                 // raw files and node logs
};

// `history` must be paired. Composed checkers missing from results["checkers"] are computed.
std::string build_report(const ReportInput& in, const History& history);

// One checker's verdict for the header and the terminal summary.
struct VerdictLine {
  std::string checker;  // "workload (register)", "stats", "perf", "availability"
  std::string verdict;  // "valid", "invalid", "unknown"
  std::string detail;   // short reason, may be empty
};
std::vector<VerdictLine> verdict_lines(const nlohmann::json& results);

// The header's words as plain text lines (the terminal summary of `test` and `check`): the
// verdict of each checker, the anomalies' first explanations, the reproduce command and
// `report_path`.
std::string terminal_summary(const ReportInput& in, const std::string& report_path);

// HTML for a verdict: <span class="verdict v-valid">valid</span> (also used by the serve index).
std::string verdict_badge(const std::string& verdict);
// "valid" / "invalid" / "unknown" for a JSON valid field (true/false/anything else).
std::string verdict_word(const nlohmann::json& valid);

}  // namespace faultline::reports
