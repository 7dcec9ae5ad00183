// Reports of stored runs (see run_report.h).
#include "faultline/reports/run_report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <unistd.h>

#include "faultline/reports/checkers.h"
#include "faultline/reports/report.h"

namespace faultline::reports {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

std::string shell_word(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/+=@") == std::string::npos)
    return s;
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

std::string num(const Json& j) {
  if (j.is_number_integer()) return std::to_string(j.get<int64_t>());
  if (j.is_number()) {  // 3.0 -> "3", 0.5 -> "0.5"
    std::ostringstream o;
    o << j.get<double>();
    return o.str();
  }
  return j.dump();
}

Json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  Json j = Json::parse(in, nullptr, false);
  return j.is_discarded() ? Json(nullptr) : j;
}

// Drops ops that would make pairing fail (a completion without an open invocation, a second
// invocation while one is open), naming each in `bad`.
std::vector<Op> pairable(std::vector<Op> ops, const std::string& path, std::vector<std::string>* bad) {
  std::unordered_map<int64_t, bool> open;
  std::vector<Op> out;
  out.reserve(ops.size());
  for (Op& op : ops) {
    if (!op.is_nemesis() && op.process != kNoProcess) {
      bool& o = open[op.process];
      if (op.type == OpType::Invoke ? o : !o) {
        if (bad) bad->push_back(path + ": op " + std::to_string(op.index) + " does not pair; left out");
        continue;
      }
      o = op.type == OpType::Invoke;
    }
    out.push_back(std::move(op));
  }
  return out;
}

}  // namespace

std::string reproduce_command(const Json& spec) {
  if (!spec.is_object()) return "";
  std::string s = "faultline test";
  auto opt = [&](const char* flag, const Json& v) {
    if (v.is_null() || (v.is_string() && v.get<std::string>().empty())) return;
    s += std::string(" ") + flag + " " + shell_word(v.is_string() ? v.get<std::string>() : num(v));
  };
  const std::string bug = spec.value("bug", Json()).is_string() ? spec["bug"].get<std::string>() : "";
  const std::string default_name = spec.value("system", std::string()) + (bug.empty() ? "" : "-" + bug) +
                                   "-" + spec.value("workload", std::string());
  if (spec.value("name", Json()) != default_name) opt("--name", spec.value("name", Json()));
  opt("--system", spec.value("system", Json()));
  opt("--bug", spec.value("bug", Json()));
  opt("--workload", spec.value("workload", Json()));
  const Json nem = spec.value("nemesis", Json::array());
  if (nem.is_array() && !nem.empty()) {
    std::string n;
    for (const auto& e : nem) n += (n.empty() ? "" : ",") + (e.is_string() ? e.get<std::string>() : e.dump());
    opt("--nemesis", n);
    opt("--nemesis-interval", spec.value("nemesis_interval_s", Json()));
  }
  const Json nodes = spec.value("nodes", Json::object());
  const std::string mode = nodes.is_object() ? nodes.value("mode", std::string()) : "";
  if (mode == "local-cluster") opt("--nodes", nodes.value("count", Json()));
  else if (mode == "local-processes") s += " --local-processes";
  else if (mode == "cluster") opt("--cluster", nodes.value("cluster", Json()));
  else if (mode == "hosts") {
    opt("--nodes-file", nodes.value("nodes_file", Json()));
    if (nodes.value("nodes_file", std::string()).empty()) opt("--nodes", nodes.value("nodes", Json()));
  }
  opt("--time-limit", spec.value("time_limit_s", Json()));
  opt("--concurrency", spec.value("concurrency", Json()));
  if (spec.value("rate", 0.0) > 0) opt("--rate", spec["rate"]);
  opt("--seed", spec.value("seed", Json()));
  const Json wp = spec.value("workload_params", Json::object());
  if (wp.is_object() && !wp.empty()) s += "   # workload_params need the spec: faultline test --spec test.json";
  return s;
}

History read_history_lenient(const std::string& path, std::vector<std::string>* bad) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Op> ops;
  std::string line;
  int64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      ops.push_back(op_from_json(Json::parse(line)));
    } catch (const std::exception& e) {
      if (bad) bad->push_back(path + ":" + std::to_string(lineno) + ": " + e.what());
    }
  }
  History h(pairable(std::move(ops), path, bad));
  h.pair();
  return h;
}

std::string run_summary(const std::string& run_dir) {
  const fs::path dir(run_dir);
  ReportInput in;
  in.spec = read_json((dir / "test.json").string());
  in.results = read_json((dir / "results.json").string());
  if (!in.results.is_object()) in.results = Json::object();
  in.reproduce = reproduce_command(in.spec);
  return terminal_summary(in, (dir / "report.html").string());
}

std::string write_run_report(const std::string& run_dir, std::string* summary) {
  const fs::path dir(run_dir);
  if (!fs::is_directory(dir)) throw std::runtime_error(run_dir + ": not a run directory");
  ReportInput in;
  in.spec = read_json((dir / "test.json").string());
  in.title = in.spec.is_object() ? in.spec.value("name", dir.parent_path().filename().string())
                                 : dir.parent_path().filename().string();
  in.title += " / " + dir.filename().string();
  Json results = read_json((dir / "results.json").string());
  std::vector<std::string> bad;
  History h;
  if (fs::exists(dir / "history.jsonl")) h = read_history_lenient((dir / "history.jsonl").string(), &bad);
  else bad.push_back((dir / "history.jsonl").string() + ": missing");
  if (!results.is_object()) {
    results = {{"valid", "unknown"},
               {"workload", {{"valid", "unknown"}, {"reason", "the run has no results.json (still running, or killed before its analysis; faultline check --store re-analyses it)"}}}};
  }
  Json errors = results.value("errors", Json::array());
  for (const auto& b : bad) errors.push_back({{"phase", "report"}, {"error", b}});
  results["errors"] = errors;
  if (!results.contains("checkers")) results["checkers"] = composed_checkers(h, make_view(h));
  in.results = results;
  in.reproduce = reproduce_command(in.spec);
  // Raw files, then node logs.
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), dir).string();
    if (rel == "report.html" || rel.rfind(".report", 0) == 0) continue;
    files.push_back(rel);
    if (files.size() > 2000) break;
  }
  std::sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
    const bool na = a.rfind("nodes/", 0) == 0, nb = b.rfind("nodes/", 0) == 0;
    return na != nb ? nb : a < b;
  });
  for (const auto& f : files) in.files.push_back({f, f});
  const std::string html = build_report(in, h);
  const fs::path out = dir / "report.html";
  const fs::path tmp = dir / (".report.html.tmp." + std::to_string(::getpid()));
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    o.write(html.data(), static_cast<std::streamsize>(html.size()));
    if (!o) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, out, ec);
  if (ec) throw std::runtime_error("cannot write " + out.string() + ": " + ec.message());
  if (summary) *summary = terminal_summary(in, out.string());
  return out.string();
}

}  // namespace faultline::reports
