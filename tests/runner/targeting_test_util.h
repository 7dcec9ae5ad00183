// Helpers of the targeting end-to-end tests (e2e_targeting_test.cpp, e2e_targeting_root_test.cpp),
// in namespace runner_test:
//  - AimedStart: one fault start of a run as the history shows it (kind, node spec, nodes hit, ok).
//  - aimed_starts: every nemesis start-<kind> of a run's history.jsonl, invoke paired with its
//    info completion, in order.
//  - planned_starts: the (kind, node spec) of every planned start in the run's schedule.jsonl.
//  - check_aims: CHECKs that the history's starts are the planned ones, in order, each recording
//    its node spec, and that a successful start of a node fault hit as many of the 3 nodes as
//    its node spec says (one/minority/primaries 1, majority 2, all 3).
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runner_test_util.h"

namespace runner_test {

struct AimedStart {
  std::string kind;
  std::string node_spec;
  std::vector<std::string> nodes;
  bool ok = false;
};

inline std::vector<AimedStart> aimed_starts(const std::string& run_dir) {
  std::vector<AimedStart> out;
  std::map<std::string, size_t> open;  // f -> index in out of its open invocation
  for (const auto& op : read_lines(run_dir + "/history.jsonl")) {
    if (op["process"] != "nemesis") continue;
    const std::string f = op["f"];
    if (f.rfind("start-", 0) != 0) continue;
    if (op["type"] == "invoke") {
      AimedStart a;
      a.kind = f.substr(6);
      a.node_spec = op["value"].value("node_spec", std::string());
      open[f] = out.size();
      out.push_back(a);
    } else if (auto it = open.find(f); it != open.end()) {
      AimedStart& a = out[it->second];
      CHECK(op["value"].value("node_spec", std::string()) == a.node_spec);
      a.ok = op["value"].is_object() && !op["value"].contains("error");
      a.nodes = fault_nodes(op["value"]);
      open.erase(it);
    }
  }
  return out;
}

inline std::vector<std::pair<std::string, std::string>> planned_starts(const std::string& run_dir) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& line : read_lines(run_dir + "/schedule.jsonl"))
    if (line["type"] == "fault" && line["action"] == "start")
      out.emplace_back(line["spec"]["kind"], line["node_spec"]);
  return out;
}

inline void check_aims(const std::string& run_dir) {
  const auto planned = planned_starts(run_dir);
  const auto starts = aimed_starts(run_dir);
  REQUIRE(starts.size() == planned.size());
  const std::map<std::string, size_t> hit = {
      {"one", 1}, {"minority", 1}, {"majority", 2}, {"all", 3}, {"primaries", 1}};
  for (size_t i = 0; i < starts.size(); ++i) {
    INFO("start " << i << ": " << starts[i].kind << " aimed at " << starts[i].node_spec);
    CHECK(starts[i].kind == planned[i].first);
    CHECK(starts[i].node_spec == planned[i].second);
    CHECK_FALSE(starts[i].node_spec.empty());
    if (starts[i].ok && starts[i].kind != "partition" && hit.count(starts[i].node_spec))
      CHECK(starts[i].nodes.size() == hit.at(starts[i].node_spec));
  }
}

// Successful starts of `kind`.
inline int ok_starts(const std::vector<AimedStart>& starts, const std::string& kind) {
  int n = 0;
  for (const auto& s : starts) n += s.ok && s.kind == kind;
  return n;
}

}  // namespace runner_test
