// SVG plots made by faultline (no gnuplot): latency over time and throughput over time, with
// fault windows shaded. Both return one self-contained <svg> element (text escaped), sized
// `width` x `height` CSS pixels, bounded in size whatever the history's length:
//
//   latency_svg     scatter of completed ops (x: completion time, y: latency, log scale), one
//                   colour per outcome and one marker shape per op type; points are binned into
//                   3x3-pixel cells per (op type, outcome), each series one <path>, so 1M ops
//                   draw as a bounded number of marks; p50/p95/p99 lines per time bucket over all op types.
//   throughput_svg  completions per second per outcome, one line each, per time bucket.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "faultline/reports/spans.h"

namespace faultline::reports {

// `perf` (optional): the perf checker's result for this history, so it is not computed twice.
std::string latency_svg(const History& h, const HistoryView& v, const nlohmann::json* perf = nullptr,
                        int width = 900, int height = 300);
std::string throughput_svg(const History& h, const HistoryView& v, int width = 900, int height = 220);

}  // namespace faultline::reports
