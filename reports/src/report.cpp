// The report page: assembles the sections (see report.h), verdict lines and the terminal summary.
#include "faultline/reports/report.h"

#include <fmt/format.h>

#include "assets.h"
#include "faultline/reports/checkers.h"
#include "faultline/reports/escape.h"
#include "sections.h"

namespace faultline::reports {

using Json = nlohmann::json;

std::string verdict_word(const Json& valid) {
  if (valid == true) return "valid";
  if (valid == false) return "invalid";
  return "unknown";
}

std::string verdict_badge(const std::string& verdict) {
  const std::string v = verdict == "valid" || verdict == "invalid" ? verdict : "unknown";
  return "<span class=\"verdict v-" + v + "\">" + html_escape(verdict) + "</span>";
}

std::vector<VerdictLine> verdict_lines(const Json& results) {
  std::vector<VerdictLine> out;
  const Json w = results.value("workload", Json::object());
  std::string name = "workload";
  std::string detail;
  if (w.is_object()) {
    std::string what = w.contains("model") ? display_value(w["model"], 40) : "";
    if (w.contains("consistency")) what += (what.empty() ? "" : ", ") + display_value(w["consistency"], 40);
    if (!what.empty()) name += " (" + what + ")";
    for (const char* k : {"reason", "error"})
      if (w.contains(k) && detail.empty()) detail = display_value(w[k], 160);
  }
  out.push_back({name, verdict_word(results.value("valid", Json("unknown"))), detail});
  const Json ch = results.value("checkers", Json::object());
  if (ch.is_object()) {
    for (const auto& [k, v] : ch.items()) {
      std::string d;
      if (k == "stats" && v.contains("never_ok")) d = "never ok: " + display_value(v["never_ok"], 120);
      if (k == "stats" && v.contains("all"))
        d += fmt::format("{}{} ok, {} fail, {} info", d.empty() ? "" : "; ", v["all"].value("ok", 0),
                         v["all"].value("fail", 0), v["all"].value("info", 0));
      if (k == "perf" && v.contains("latency_ms") && v["latency_ms"].contains("all"))
        d = fmt::format("p50 {:g} ms, p99 {:g} ms", v["latency_ms"]["all"].value("p50", 0.0),
                        v["latency_ms"]["all"].value("p99", 0.0));
      if (k == "availability" && v.contains("outside_faults")) {
        auto pct = [](const Json& j) {
          return j.contains("ok_share") && j["ok_share"].is_number()
                     ? fmt::format("{:.1f}%", j["ok_share"].get<double>() * 100) : std::string("–");
        };
        d = "ok outside faults " + pct(v["outside_faults"]);
        double in_ok = 0, in_n = 0;
        for (const auto& x : v.value("in_faults", Json::array())) {
          in_ok += x.value("ok", 0);
          in_n += x.value("completed", 0);
        }
        if (in_n > 0) d += fmt::format(", inside {:.1f}%", 100 * in_ok / in_n);
      }
      out.push_back({k, verdict_word(v.value("valid", Json("unknown"))), d});
    }
  }
  return out;
}

std::string build_report(const ReportInput& in, const History& history) {
  const HistoryView view = make_view(history);
  detail::Ctx c{in, history, view, in.results.is_object() ? in.results : Json::object(), {}, in.model};
  if (!c.results.contains("checkers") || !c.results["checkers"].is_object())
    c.results["checkers"] = composed_checkers(history, view);
  const Json w = c.results.value("workload", Json::object());
  if (c.model.empty() && w.is_object() && w.contains("model") && w["model"].is_string())
    c.model = w["model"].get<std::string>();
  c.pos_of.reserve(history.size());
  for (size_t i = 0; i < history.size(); ++i) c.pos_of.emplace(history[i].index, i);
  const auto anomalies = detail::extract_anomalies(c);

  std::string out;
  out.reserve(4096 + history.size() * 80);
  out += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
         "<title>";
  append_html_escaped(out, in.title + " — " + verdict_word(c.results.value("valid", Json("unknown"))));
  out += "</title><style>";
  out += assets::kReportCss;
  out += "</style></head><body>";
  detail::section_header(out, c);
  out += "<main>";
  detail::section_errors(out, c);
  detail::section_anomalies(out, c, anomalies);
  detail::section_linearizability(out, c, anomalies);
  detail::section_cycles(out, c, anomalies);
  detail::section_timeline(out, c);
  // The timeline's data and script right after it: the first screen is drawn before the browser
  // parses the plots below (links to ops are handled by delegation on the document).
  out += "<script id=\"fl-data\" type=\"application/json\">";
  out += detail::timeline_data(c);
  out += "</script><script>";
  out += assets::kReportJs;
  out += "</script>";
  detail::section_perf(out, c);
  detail::section_files(out, c);
  out += "</main><footer>faultline report</footer></body></html>\n";
  return out;
}

std::string terminal_summary(const ReportInput& in, const std::string& report_path) {
  History empty;
  std::string s;
  for (const auto& vl : verdict_lines(in.results)) {
    s += fmt::format("  {:<32} {}", vl.checker, vl.verdict);
    if (!vl.detail.empty()) s += "  (" + vl.detail + ")";
    s += "\n";
  }
  // The first anomalies, in the report's words.
  const HistoryView no_view;
  detail::Ctx c{in, empty, no_view, in.results, {}, in.model};
  const auto as = detail::extract_anomalies(c);
  for (size_t i = 0; i < as.size() && i < 3; ++i) s += "  anomaly " + as[i].type + ": " + display_value(as[i].explanation, 300) + "\n";
  if (as.size() > 3) s += fmt::format("  ... {} anomalies in all\n", as.size());
  if (!in.reproduce.empty()) s += "  reproduce: " + in.reproduce + "\n";
  if (!report_path.empty()) s += "  report: " + report_path + "\n";
  return s;
}

}  // namespace faultline::reports
