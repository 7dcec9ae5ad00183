// Internal to reports/src: the report's sections, each appending HTML to `out`.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/reports/report.h"
#include "faultline/reports/spans.h"

namespace faultline::reports::detail {

using Json = nlohmann::json;

// What the sections share: the history, its view, and op index -> history position.
struct Ctx {
  const ReportInput& in;
  const History& h;
  const HistoryView& v;
  Json results;                                  // with "checkers" filled in
  std::unordered_map<int64_t, size_t> pos_of;    // Op.index -> position in h
  std::string model;                             // linearizability model name ("" = none)
  int64_t pos(int64_t index) const {
    auto it = pos_of.find(index);
    return it == pos_of.end() ? -1 : static_cast<int64_t>(it->second);
  }
  // "read key=x → 3" style one-line description of the op at history index `index`.
  std::string describe_op(int64_t index) const;
};

// One anomaly found anywhere in the workload's result (see anomalies.cpp for the shapes read).
struct Anomaly {
  std::string type;
  std::string explanation;
  std::vector<int64_t> ops;   // history op indexes
  Json steps;                 // transactional edges, or null
  Json lin;                   // linearizability failure {key, op, prefixes, ...}, or null
};

std::vector<Anomaly> extract_anomalies(const Ctx& c);

void section_header(std::string& out, const Ctx& c);
void section_errors(std::string& out, const Ctx& c);
void section_anomalies(std::string& out, const Ctx& c, const std::vector<Anomaly>& as);
void section_linearizability(std::string& out, const Ctx& c, const std::vector<Anomaly>& as);
void section_cycles(std::string& out, const Ctx& c, const std::vector<Anomaly>& as);
void section_timeline(std::string& out, const Ctx& c);
void section_perf(std::string& out, const Ctx& c);
void section_files(std::string& out, const Ctx& c);

// The timeline's data block (script_json of the ops and windows).
std::string timeline_data(const Ctx& c);

// Percent-encodes a relative URL path (keeps '/', unreserved characters).
std::string url_path(const std::string& p);

}  // namespace faultline::reports::detail
