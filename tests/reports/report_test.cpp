// HTML report builders: escaping, an empty history, a linearizability counterexample, a
// transactional cycle drawn by Graphviz, a stored run with a torn line, and a 100k-op history.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "../checker/graphviz_lsan_suppressions.h"  // the cycle diagrams render through Graphviz
#include "faultline/checker/linearizability.h"
#include "faultline/checker/model_registry.h"
#include "faultline/checker/txn/check_transactional.h"
#include "faultline/core/formats.h"
#include "faultline/reports/escape.h"
#include "faultline/reports/report.h"
#include "faultline/reports/run_report.h"

using namespace faultline;
using namespace faultline::reports;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = std::string(FAULTLINE_SOURCE_DIR) + "/tests/reports/fixtures/";
const std::string kEvil = "</script><script>window.__xss=1</script><!-- <b>bold</b>";

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

History load(const std::string& name) {
  History h = read_history_file(kFixtures + name);
  h.pair();
  return h;
}

// The report of a history checked as `faultline check` does.
std::string check_report(const History& h, const std::string& model) {
  auto m = checker::make_model(model);
  CheckResult r = checker::check_linearizable(h, *m);
  ReportInput in;
  in.title = "test <" + model + ">";
  Json w = r.to_json();
  w["model"] = model;
  in.results = {{"valid", w["valid"]}, {"workload", w}};
  in.model = model;
  return build_report(in, h);
}

}  // namespace

TEST_CASE("html_escape and script_json neutralise markup", "[reports]") {
  CHECK(html_escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  const Json j = {{"v", kEvil}, {"u", "line\u2028sep"}};
  const std::string s = script_json(j);
  CHECK(s.find('<') == std::string::npos);
  CHECK(s.find('>') == std::string::npos);
  CHECK(s.find("\u2028") == std::string::npos);
  CHECK(Json::parse(s) == j);  // reads back unchanged
  CHECK(display_value(Json("abc"), 2) == "ab\xE2\x80\xA6");
}

TEST_CASE("values carrying </script> and <!-- cannot break out of the page", "[reports]") {
  const History h = load("kv-stale-read.jsonl");
  REQUIRE(h.size() > 500);
  const std::string page = check_report(h, "kv");
  // Exactly the page's own two script elements; the value only appears escaped.
  CHECK(count(page, "<script") == 2);
  CHECK(count(page, "</script>") == 2);
  CHECK(page.find("window.__xss") != std::string::npos);        // the value is shown ...
  CHECK(page.find("<script>window.__xss") == std::string::npos);  // ... never as markup
  CHECK(page.find("<b>bold") == std::string::npos);
  CHECK(page.find("&lt;/script&gt;&lt;script&gt;window.__xss") != std::string::npos);
  // The history is invalid: its counterexample names the stale read and the states.
  CHECK(page.find("class=\"verdict v-invalid\"") != std::string::npos);
  CHECK(page.find("id=\"linearizability\"") != std::string::npos);
  CHECK(page.find("cannot be placed (illegal in this state)") != std::string::npos);
  CHECK(page.find("class=\"anomaly\"") != std::string::npos);
  CHECK(page.find("Faults active then: ") != std::string::npos);  // the read ran in the partition
}

TEST_CASE("a valid history: verdicts, no anomalies, timeline and plots", "[reports]") {
  const History h = load("kv-valid.jsonl");
  const std::string page = check_report(h, "kv");
  CHECK(page.find("class=\"verdict v-valid\"") != std::string::npos);
  CHECK(page.find("class=\"verdict v-invalid\"") == std::string::npos);
  CHECK(page.find("None: the checker found the history valid.") != std::string::npos);
  CHECK(page.find("id=\"tl-canvas\"") != std::string::npos);
  CHECK(page.find("aria-label=\"latency over time\"") != std::string::npos);
  CHECK(page.find("class=\"fault\"") != std::string::npos);  // the partition shaded in the plots
  for (const char* c : {">stats<", ">perf<", ">availability<"}) CHECK(page.find(c) != std::string::npos);
  // Nothing is fetched: no external URLs in src/href attributes.
  CHECK(page.find("src=\"http") == std::string::npos);
  CHECK(page.find("href=\"http") == std::string::npos);
}

TEST_CASE("an empty history still makes a page", "[reports]") {
  History h;
  h.pair();
  ReportInput in;
  in.title = "empty";
  in.results = {{"valid", "unknown"}, {"workload", {{"valid", "unknown"}, {"reason", "no ops"}}}};
  const std::string page = build_report(in, h);
  CHECK(page.find("<!DOCTYPE html>") == 0);
  CHECK(page.find("no completed operations") != std::string::npos);
  CHECK(page.find("data-count=\"0\"") != std::string::npos);
  CHECK(page.find("no ops") != std::string::npos);
  const auto lines = verdict_lines(Json{{"valid", "unknown"}, {"checkers", {{"stats", {{"valid", "unknown"}}}}}});
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].verdict == "unknown");
}

TEST_CASE("a transactional cycle is explained and drawn through Graphviz", "[reports]") {
  const History h = load("list-append-g1c.jsonl");
  checker::txn::TxnCheckOptions o;
  o.render_svg = false;  // the report draws its own diagram
  const CheckResult r = checker::txn::check_transactional(h, o);
  REQUIRE(r.verdict == Verdict::Invalid);
  ReportInput in;
  in.title = "g1c";
  in.results = {{"valid", false}, {"workload", r.to_json()}};
  const std::string page = build_report(in, h);
  const size_t cycles = page.find("id=\"cycles\"");
  REQUIRE(cycles != std::string::npos);
  const size_t svg = page.find("<svg", cycles);
  REQUIRE(svg != std::string::npos);
  CHECK(page.find("class=\"graph\"", cycles) < svg);
  CHECK(page.find("xlink:href=\"#op-0\"", svg) != std::string::npos);  // nodes link to their ops
  CHECK(page.find("G1c") != std::string::npos);
  CHECK(page.find("<?xml") == std::string::npos);
  CHECK(page.find("which includes") != std::string::npos);  // edges explained in words
}

TEST_CASE("a stored run: report.html beside its files, a torn line named", "[reports]") {
  const fs::path dir = fs::temp_directory_path() / ("fl-report-test-" + std::to_string(::getpid())) / "t" / "20260101T000000";
  fs::create_directories(dir / "nodes" / "n1");
  fs::copy_file(kFixtures + "kv-stale-read.jsonl", dir / "history.jsonl");
  { std::ofstream(dir / "history.jsonl", std::ios::app) << "{\"index\": 9999, \"type\": \"ok\", \"f\""; }
  std::ofstream(dir / "test.json") << R"({"name":"t","system":"raft","workload":"register","nemesis":["partition"],
    "nemesis_interval_s":5,"nodes":{"mode":"local-cluster","count":3},"time_limit_s":3,"concurrency":4,"seed":7})";
  std::ofstream(dir / "nodes" / "n1" / "raftd.log") << "log <line>\n";
  std::string summary;
  const std::string path = write_run_report(dir.string(), &summary);
  std::ifstream in(path);
  const std::string page((std::istreambuf_iterator<char>(in)), {});
  CHECK(page.find("history.jsonl:573") != std::string::npos);  // the torn last line, by line
  CHECK(page.find("href=\"nodes/n1/raftd.log\"") != std::string::npos);
  CHECK(page.find("faultline test --name t --system raft --workload register --nemesis partition --nemesis-interval 5 --nodes 3") != std::string::npos);
  CHECK(summary.find("report: " + path) != std::string::npos);
  CHECK(summary.find("stats") != std::string::npos);
  fs::remove_all(dir.parent_path().parent_path());
}

TEST_CASE("a 100k-op history builds a bounded page", "[reports][100k]") {
  // Sizes and times go to bench/RESULTS.md (bench/report_bench.cpp); here only that it works.
  History h;
  for (int i = 0; i < 100000; ++i) {
    const int64_t t = i * 100000LL;
    Op a;
    a.time_ns = t;
    a.process = i % 10;
    a.f = i % 3 ? "read" : "write";
    a.value = i % 3 ? Json() : Json(i);
    h.add(a);
    a.type = OpType::Ok;
    a.time_ns = t + 50000;
    h.add(a);
  }
  h.pair();
  ReportInput in;
  in.title = "100k";
  const std::string page = build_report(in, h);
  CHECK(page.find("data-count=\"100000\"") != std::string::npos);
  CHECK(page.size() < 10u * 1024 * 1024);
}
