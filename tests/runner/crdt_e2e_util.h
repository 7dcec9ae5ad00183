// Helpers of the CRDT end-to-end tests (e2e_crdt_test.cpp, e2e_crdt_local_test.cpp):
//  - crdt_faults: the FaultSpecs the runner makes for nemesis kinds (run.cpp default_fault), so
//    seed_starting_every_fault finds a seed whose plan starts each of them;
//  - crdt_anomaly: "" unless the run is invalid and its workload result names an anomaly of
//    `type` (in "errors", or in the convergence / bounds / exact results); else a description.
#pragma once
#include <string>
#include <vector>

#include "runner_test_util.h"

namespace runner_test {

inline std::vector<faultline::nemesis::FaultSpec> crdt_faults(const std::vector<std::string>& kinds) {
  std::vector<faultline::nemesis::FaultSpec> out;
  for (const auto& k : kinds) {
    faultline::nemesis::FaultSpec f;
    f.kind = k;
    f.target = k == "partition" ? "all" : "minority";
    if (k == "partition") f.params = {{"shape", "random-halves"}};
    if (k == "clock") f.params = {{"bump_ms", 30'000}};
    out.push_back(f);
  }
  return out;
}

inline std::string crdt_anomaly(const faultline::runner::RunOutcome& o, const std::string& type) {
  if (o.results["valid"] != false) return "";
  const Json& wl = o.results["workload"];
  std::vector<Json> lists = {wl.value("errors", Json::array())};
  for (const char* part : {"convergence", "bounds", "causal"})
    if (wl.contains(part)) lists.push_back(wl[part].value("anomalies", Json::array()));
  if (wl.contains("exact")) lists.push_back(wl["exact"].value("errors", Json::array()));
  for (const Json& list : lists)
    for (const Json& a : list)
      if (a.value("type", std::string()) == type)
        return type + ": " + a.value("explanation", std::string()).substr(0, 300);
  return "";
}

}  // namespace runner_test
