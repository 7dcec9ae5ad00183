// Finds the anomalies in a workload's result, whatever the workload (internal; sections.h).
//
// Read shapes:
//  - any object with a string "explanation" (register/kv "failures", transactional and lock
//    "anomalies", ...): type = its "type" (or the array's name), ops = "ops" (indexes), "op",
//    "index"; "steps" = transactional edges; "prefixes" marks a linearizability failure;
//  - objects without an explanation in arrays named errors/anomalies/failures that name ops
//    ("index", "op", "ops"): explained by their JSON;
//  - a checker result (`faultline check`): "witness" with "prefixes" names ops by history
//    position, not index; they are mapped to indexes here.
#include <algorithm>

#include "faultline/reports/escape.h"
#include "sections.h"

namespace faultline::reports::detail {

namespace {

constexpr size_t kMaxAnomalies = 500;

void add_ops(const Json& o, std::vector<int64_t>& out) {
  if (o.contains("ops") && o["ops"].is_array())
    for (const auto& x : o["ops"])
      if (x.is_number_integer()) out.push_back(x.get<int64_t>());
  for (const char* k : {"op", "index"})
    if (o.contains(k) && o[k].is_number_integer()) out.push_back(o[k].get<int64_t>());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

bool listing_key(const std::string& k) {
  return k == "errors" || k == "anomalies" || k == "failures";
}

void walk(const Json& j, const std::string& key, int depth, std::vector<Anomaly>& out) {
  if (depth > 6 || out.size() >= kMaxAnomalies) return;
  if (j.is_array()) {
    size_t n = 0;
    for (const auto& e : j) {
      if (++n > 10000 || out.size() >= kMaxAnomalies) break;
      walk(e, key, depth + 1, out);
    }
    return;
  }
  if (!j.is_object()) return;
  const bool explained = j.contains("explanation") && j["explanation"].is_string();
  const bool names_ops = j.contains("ops") || j.contains("op") || j.contains("index");
  if (explained || (listing_key(key) && names_ops)) {
    Anomaly a;
    a.type = j.contains("type") && j["type"].is_string() && !j.contains("prefixes")
                 ? j["type"].get<std::string>()
                 : j.contains("prefixes") ? "not-linearizable" : key;
    a.explanation = explained ? j["explanation"].get<std::string>() : display_value(j, 400);
    add_ops(j, a.ops);
    if (j.contains("steps") && j["steps"].is_array()) a.steps = j["steps"];
    if (j.contains("prefixes")) a.lin = j;
    out.push_back(std::move(a));
    return;
  }
  for (const auto& [k, v] : j.items()) {
    if (k == "witness" || k == "svg" || k == "stats" || k == "checkers") continue;
    if (v.is_structured()) walk(v, k, depth + 1, out);
  }
}

// `faultline check` results: positions -> indexes, and the witness as the failure.
std::vector<Anomaly> from_check_result(const Ctx& c, const Json& w) {
  auto index_at = [&](const Json& pos) -> int64_t {
    if (!pos.is_number_integer()) return -1;
    const auto p = pos.get<int64_t>();
    return p >= 0 && static_cast<size_t>(p) < c.h.size() ? c.h[static_cast<size_t>(p)].index : -1;
  };
  std::vector<Anomaly> out;
  const Json& wit = w["witness"];
  for (const auto& an : w.value("anomalies", Json::array())) {
    Anomaly a;
    a.type = an.value("type", std::string("anomaly"));
    a.explanation = an.value("explanation", std::string());
    if (an.contains("op")) a.ops.push_back(index_at(an["op"]));
    Json lin = {{"key", wit.value("partition", Json())},
                {"max_linearized", wit.value("max_linearized", 0)}};
    if (wit.contains("op")) lin["op"] = index_at(wit["op"]);
    Json prefixes = Json::array();
    for (const auto& p : wit["prefixes"]) {
      Json order = Json::array();
      for (const auto& x : p.value("order", Json::array())) order.push_back(index_at(x));
      prefixes.push_back({{"order", order}, {"state", p.value("state", Json())}});
    }
    lin["prefixes"] = std::move(prefixes);
    if (lin.contains("op")) {
      const int64_t pos = c.pos(lin["op"].get<int64_t>());
      if (pos >= 0 && c.h.completion(static_cast<size_t>(pos)) >= 0)
        a.ops.push_back(c.h[static_cast<size_t>(c.h.completion(static_cast<size_t>(pos)))].index);
    }
    a.lin = std::move(lin);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

std::vector<Anomaly> extract_anomalies(const Ctx& c) {
  const Json w = c.results.value("workload", Json::object());
  if (w.is_object() && w.contains("witness") && w["witness"].is_object() &&
      w["witness"].contains("prefixes"))
    return from_check_result(c, w);
  std::vector<Anomaly> out;
  walk(w, "workload", 0, out);
  return out;
}

}  // namespace faultline::reports::detail
