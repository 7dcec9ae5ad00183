// Checkers composed beside a run's workload checker (Jepsen's checker/compose): each is a pure
// function of the history and returns {"valid": true|false|"unknown", ...}. The runner stores
// them in results.json under "checkers": {"stats": ..., "perf": ..., "availability": ...}.
//
//   stats         ok/fail/info/pending counts per op type (f) and overall. valid: every op type
//                 that was invoked succeeded at least once (Jepsen's stats checker); "unknown"
//                 for a history without client ops.
//   perf          latency quantiles (p50, p95, p99, max, in ms, of completed ops) per op type,
//                 overall and per time bucket; throughput (completions/s) per op type and per
//                 bucket; the fault windows, so a reader can match dips to faults. Informative:
//                 valid is true whenever there are client ops, else "unknown".
//   availability  share of ok completions among completed ops inside each fault window and
//                 outside all windows. valid: some op succeeded at all (the system served);
//                 false when none did; "unknown" without client ops.
#pragma once
#include <nlohmann/json.hpp>

#include "faultline/reports/spans.h"

namespace faultline::reports {

nlohmann::json stats_checker(const History& h, const HistoryView& v);
nlohmann::json perf_checker(const History& h, const HistoryView& v);
nlohmann::json availability_checker(const HistoryView& v);

// {"stats": ..., "perf": ..., "availability": ...}; `h` must be paired.
nlohmann::json composed_checkers(const History& h, const HistoryView& v);

// The same for a history that may not be paired yet (pairs a copy); never throws: a history
// that cannot be paired gets {"error": why} instead.
nlohmann::json composed_checkers(const History& h);

// Quantile q in [0,1] of sorted values (nearest rank); 0 for an empty vector.
double quantile_sorted(const std::vector<double>& sorted, double q);

}  // namespace faultline::reports
