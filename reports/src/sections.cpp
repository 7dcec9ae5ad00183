// Report sections: header, errors, anomalies, files (internal; sections.h).
#include <algorithm>
#include <cctype>
#include <cstdint>

#include <fmt/format.h>

#include "faultline/reports/escape.h"
#include "sections.h"

namespace faultline::reports::detail {

namespace {

std::string spec_str(const Json& spec, const char* key) {
  if (!spec.is_object() || !spec.contains(key) || spec[key].is_null()) return "";
  const Json& v = spec[key];
  if (v.is_array()) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ", ") + display_value(e, 60);
    return s;
  }
  return display_value(v, 120);
}

void row(std::string& out, const char* k, const std::string& v) {
  if (v.empty()) return;
  out += "<tr><th>";
  out += k;
  out += "</th><td>";
  append_html_escaped(out, v);
  out += "</td></tr>";
}

std::string op_link(const Ctx& c, int64_t index) {
  std::string s = fmt::format("<a class=\"oplink\" href=\"#op-{0}\" data-ops=\"{0}\">op {0}</a>", index);
  const std::string d = c.describe_op(index);
  if (!d.empty()) {
    s += " <span class=\"opdesc\">";
    append_html_escaped(s, d);
    s += "</span>";
  }
  return s;
}

}  // namespace

std::string Ctx::describe_op(int64_t index) const {
  const int64_t p = pos(index);
  if (p < 0) return "";
  size_t inv = static_cast<size_t>(p);
  if (h.invocation(inv) >= 0) inv = static_cast<size_t>(h.invocation(inv));
  const Op& op = h[inv];
  std::string s = op.is_nemesis() ? "nemesis " : "process " + std::to_string(op.process) + " ";
  s += op.f;
  if (!op.key.is_null()) s += " key=" + display_value(op.key, 40);
  if (!op.value.is_null()) s += " " + display_value(op.value, 80);
  const int64_t cp = h.completion(inv);
  if (cp < 0) return s + " → (no completion)";
  const Op& done = h[static_cast<size_t>(cp)];
  s += " → " + std::string(to_string(done.type));
  if (done.type == OpType::Ok && (done.value != op.value || op.value.is_null()))
    s += " " + (done.value.is_null() ? std::string("nil") : display_value(done.value, 80));
  if (!done.error.is_null()) s += " (" + display_value(done.error, 80) + ")";
  return s;
}

void section_header(std::string& out, const Ctx& c) {
  const Json& spec = c.in.spec;
  out += "<header id=\"summary\"><h1>";
  append_html_escaped(out, c.in.title);
  out += "</h1><div class=\"verdicts\">";
  for (const auto& vl : verdict_lines(c.results)) {
    out += "<div class=\"vline\"><span class=\"checker\">";
    append_html_escaped(out, vl.checker);
    out += "</span> " + verdict_badge(vl.verdict);
    if (!vl.detail.empty()) {
      out += " <span class=\"vdetail\">";
      append_html_escaped(out, vl.detail);
      out += "</span>";
    }
    out += "</div>";
  }
  out += "</div><table class=\"spec\">";
  row(out, "system", spec_str(spec, "system"));
  row(out, "bug", spec_str(spec, "bug").empty() ? (spec.is_object() ? "none" : "") : spec_str(spec, "bug"));
  row(out, "workload", spec_str(spec, "workload"));
  std::string nem = spec_str(spec, "nemesis");
  if (spec.is_object()) {
    if (nem.empty()) nem = "none";
    else if (spec.contains("nemesis_interval_s")) nem += " every " + spec_str(spec, "nemesis_interval_s") + " s";
  }
  row(out, "nemesis", nem);
  if (spec.is_object() && spec.contains("nodes") && spec["nodes"].is_object())
    row(out, "nodes", display_value(spec["nodes"], 160));
  row(out, "model", c.model);
  const Json st = c.results.value("checkers", Json::object()).value("stats", Json::object()).value("all", Json::object());
  row(out, "duration", fmt::format("{:.2f} s ({} client ops: {} ok, {} fail, {} info, {} pending; {} fault windows)",
                                   c.v.end_ns / 1e9, st.value("count", 0), st.value("ok", 0),
                                   st.value("fail", 0), st.value("info", 0), st.value("pending", 0),
                                   c.v.windows.size()));
  if (spec.is_object()) {
    row(out, "load", fmt::format("time limit {} s, concurrency {}, rate {}, seed {}",
                                 spec_str(spec, "time_limit_s"), spec_str(spec, "concurrency"),
                                 spec_str(spec, "rate"), spec_str(spec, "seed")));
  }
  out += "</table>";
  if (!c.in.reproduce.empty()) {
    out += "<div class=\"repro\">reproduce: <code id=\"reproduce\">";
    append_html_escaped(out, c.in.reproduce);
    out += "</code></div>";
  }
  out += "<nav><a href=\"#anomalies\">anomalies</a> <a href=\"#timeline-section\">timeline</a> "
         "<a href=\"#perf\">latency &amp; throughput</a> <a href=\"#files\">files</a></nav></header>";
}

void section_errors(std::string& out, const Ctx& c) {
  const Json errs = c.results.value("errors", Json::array());
  if (!errs.is_array() || errs.empty()) return;
  out += "<section id=\"errors\"><h2>Errors during the run</h2><ul>";
  for (const auto& e : errs) {
    out += "<li><b>";
    append_html_escaped(out, e.is_object() ? display_value(e.value("phase", Json("?"))) : "");
    out += "</b>: ";
    append_html_escaped(out, e.is_object() ? display_value(e.value("error", Json()), 600) : display_value(e, 600));
    out += "</li>";
  }
  out += "</ul></section>";
}

void section_anomalies(std::string& out, const Ctx& c, const std::vector<Anomaly>& as) {
  out += "<section id=\"anomalies\"><h2>Anomalies</h2>";
  if (as.empty()) {
    const std::string w = verdict_word(c.results.value("valid", Json("unknown")));
    out += w == "valid" ? "<p class=\"none\">None: the checker found the history valid.</p>"
                        : "<p class=\"none\">No anomaly was reported by the checker (verdict " +
                              html_escape(w) + ").</p>";
    const Json wl = c.results.value("workload", Json::object());
    for (const char* k : {"reason", "error"})
      if (wl.is_object() && wl.contains(k)) out += "<p class=\"reason\">" + html_escape(display_value(wl[k], 600)) + "</p>";
    out += "</section>";
    return;
  }
  out += fmt::format("<p>{} anomal{} found. Click one to see its ops in the timeline.</p><ol class=\"anoms\">",
                     as.size(), as.size() == 1 ? "y" : "ies");
  for (size_t i = 0; i < as.size(); ++i) {
    const Anomaly& a = as[i];
    std::string ids;
    int64_t t0 = INT64_MAX, t1 = INT64_MIN;
    for (int64_t x : a.ops) {
      ids += (ids.empty() ? "" : " ") + std::to_string(x);
      const int64_t p = c.pos(x);
      if (p >= 0) {
        t0 = std::min(t0, c.v.op_time_ns[static_cast<size_t>(p)]);
        t1 = std::max(t1, c.v.op_time_ns[static_cast<size_t>(p)]);
      }
    }
    out += fmt::format("<li class=\"anomaly\" id=\"anomaly-{}\" data-ops=\"{}\"><span class=\"atype\">", i, ids);
    append_html_escaped(out, a.type);
    out += "</span> <span class=\"aexpl\">";
    append_html_escaped(out, a.explanation);
    out += "</span>";
    if (!a.ops.empty()) {
      out += "<ul class=\"aops\">";
      for (size_t k = 0; k < a.ops.size() && k < 12; ++k) out += "<li>" + op_link(c, a.ops[k]) + "</li>";
      if (a.ops.size() > 12) out += fmt::format("<li>… and {} more ops</li>", a.ops.size() - 12);
      out += "</ul>";
    }
    if (t0 <= t1) {
      const auto ws = windows_overlapping(c.v, t0, t1);
      out += "<div class=\"afaults\">";
      if (ws.empty()) out += "No fault was active while these ops ran.";
      else out += "Faults active then: ";
      for (size_t w : ws) {
        out += fmt::format("<a class=\"faultlink\" href=\"#timeline-section\" data-window=\"{}\">", w);
        append_html_escaped(out, c.v.windows[w].kind);
        out += fmt::format(" {:.2f}s–{:.2f}s{}</a> ", c.v.windows[w].start_ns / 1e9, c.v.windows[w].end_ns / 1e9,
                           c.v.windows[w].open_at_end ? " (never healed)" : "");
      }
      out += "</div>";
    }
    out += "</li>";
  }
  out += "</ol></section>";
}

std::string url_path(const std::string& p) {
  std::string out;
  for (unsigned char ch : p) {
    if (std::isalnum(ch) || ch == '/' || ch == '-' || ch == '_' || ch == '.' || ch == '~') out += static_cast<char>(ch);
    else out += fmt::format("%{:02X}", ch);
  }
  return out;
}

void section_files(std::string& out, const Ctx& c) {
  out += "<section id=\"files\"><h2>Files</h2>";
  if (c.in.files.empty()) {
    out += "<p>No files beside this report.</p></section>";
    return;
  }
  out += "<ul class=\"files\">";
  for (const auto& f : c.in.files) {
    out += "<li><a href=\"" + html_escape(url_path(f.href)) + "\">";
    append_html_escaped(out, f.label);
    out += "</a></li>";
  }
  out += "</ul></section>";
}

}  // namespace faultline::reports::detail
