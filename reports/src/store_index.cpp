// The store index and request routing of `faultline serve` (see serve.h).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "assets.h"
#include "faultline/reports/escape.h"
#include "faultline/reports/report.h"
#include "faultline/reports/serve.h"
#include "sections.h"

namespace faultline::reports {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

Json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return nullptr;
  Json j = Json::parse(in, nullptr, false);
  return j.is_discarded() ? Json(nullptr) : j;
}

int64_t count_lines(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return 0;
  char buf[1 << 16];
  int64_t n = 0;
  while (in) {
    in.read(buf, sizeof buf);
    n += std::count(buf, buf + in.gcount(), '\n');
  }
  return n;
}

double age_s(const fs::path& p) {
  std::error_code ec;
  const auto t = fs::last_write_time(p, ec);
  if (ec) return 1e9;
  return std::chrono::duration<double>(fs::file_time_type::clock::now() - t).count();
}

std::string joined(const Json& v) {
  if (v.is_array()) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ",") + display_value(e, 40);
    return s.empty() ? "none" : s;
  }
  return v.is_null() ? "" : display_value(v, 60);
}

}  // namespace

Json list_runs(const std::string& store) {
  Json runs = Json::array();
  std::error_code ec;
  if (!fs::is_directory(store, ec)) return runs;
  for (const auto& t : fs::directory_iterator(store, ec)) {
    if (t.is_symlink() || !t.is_directory()) continue;
    for (const auto& r : fs::directory_iterator(t.path(), ec)) {
      if (r.is_symlink() || !r.is_directory() || !fs::exists(r.path() / "test.json")) continue;
      const Json spec = read_json(r.path() / "test.json");
      const Json res = read_json(r.path() / "results.json");
      Json j = {{"path", t.path().filename().string() + "/" + r.path().filename().string()},
                {"test", t.path().filename().string()}, {"run", r.path().filename().string()}};
      for (const char* k : {"system", "bug", "workload", "nemesis"})
        j[k] = spec.is_object() ? joined(spec.value(k, Json())) : "";
      j["ops"] = count_lines(r.path() / "history.jsonl");
      j["has_report"] = fs::exists(r.path() / "report.html");
      if (res.is_object()) {
        j["verdict"] = verdict_word(res.value("valid", Json("unknown")));
      } else {
        const double since = age_s(r.path() / "test.json");
        const bool live = age_s(r.path() / "history.jsonl") < 60 || since < 60;
        j["verdict"] = live ? "running" : "incomplete";
        j["elapsed_s"] = static_cast<int64_t>(since);
        if (spec.is_object() && spec.contains("time_limit_s")) j["time_limit_s"] = spec["time_limit_s"];
      }
      runs.push_back(std::move(j));
    }
  }
  std::sort(runs.begin(), runs.end(), [](const Json& a, const Json& b) {
    return a["run"].get<std::string>() != b["run"].get<std::string>()
               ? a["run"].get<std::string>() > b["run"].get<std::string>()
               : a["test"].get<std::string>() < b["test"].get<std::string>();
  });
  return runs;
}

std::string store_index_html(const std::string& store) {
  const Json runs = list_runs(store);
  bool running = false;
  for (const auto& r : runs) running |= r["verdict"] == "running";
  std::string out = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>faultline runs</title>";
  if (running) out += "<meta http-equiv=\"refresh\" content=\"5\">";
  out += "<style>";
  out += assets::kIndexCss;
  out += "</style></head><body><header><h1>faultline runs</h1><span class=\"muted\">";
  append_html_escaped(out, fs::absolute(store).lexically_normal().string());
  out += fmt::format(" — {} runs</span></header><main><div class=\"filters\" id=\"filters\">", runs.size());
  const char* cols[] = {"test", "system", "workload", "nemesis", "verdict"};
  for (const char* col : cols) {
    std::vector<std::string> vals;
    for (const auto& r : runs) vals.push_back(r[col].get<std::string>());
    std::sort(vals.begin(), vals.end());
    vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
    out += fmt::format("<label>{0}<select data-col=\"{0}\"><option value=\"\">all</option>", col);
    for (const auto& v : vals) out += "<option>" + html_escape(v) + "</option>";
    out += "</select></label>";
  }
  out += "</div><table id=\"runs\"><thead><tr><th>run</th><th>test</th><th>system</th><th>bug</th>"
         "<th>workload</th><th>nemesis</th><th>verdict</th><th>ops</th><th>files</th></tr></thead><tbody>";
  for (const auto& r : runs) {
    const std::string verdict = r["verdict"].get<std::string>();
    const std::string href = detail::url_path(r["path"].get<std::string>());
    out += "<tr class=\"run r-" + html_escape(verdict) + "\"";
    for (const char* col : cols) out += std::string(" data-") + col + "=\"" + html_escape(r[col].get<std::string>()) + "\"";
    out += "><td><a href=\"/" + html_escape(href) + "/" + (r["has_report"] == true ? "report.html" : "") + "\">";
    append_html_escaped(out, r["run"].get<std::string>());
    out += "</a></td>";
    for (const char* col : {"test", "system", "bug", "workload", "nemesis"}) out += "<td>" + html_escape(r[col].get<std::string>()) + "</td>";
    out += "<td><span class=\"verdict v-" + html_escape(verdict == "incomplete" ? "unknown" : verdict) + "\">" + html_escape(verdict) + "</span>";
    if (r.contains("elapsed_s")) {
      out += fmt::format(" <span class=\"muted progress\">{} s", r["elapsed_s"].get<int64_t>());
      if (r.contains("time_limit_s")) out += " of " + html_escape(r["time_limit_s"].dump()) + " s";
      out += "</span>";
    }
    out += fmt::format("</td><td>{}</td><td><a href=\"/{}/\">files</a></td></tr>", r["ops"].get<int64_t>(), html_escape(href));
  }
  out += "</tbody></table></main><script>(function(){var sel=document.querySelectorAll('#filters select');"
         "function apply(){document.querySelectorAll('#runs tr.run').forEach(function(tr){var show=true;"
         "sel.forEach(function(s){if(s.value&&tr.dataset[s.dataset.col]!==s.value)show=false;});"
         "tr.hidden=!show;});}sel.forEach(function(s){s.addEventListener('change',apply);});})();</script>"
         "</body></html>\n";
  return out;
}

}  // namespace faultline::reports
