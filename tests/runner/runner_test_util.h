// Helpers shared by the runner tests (tests/runner/*.cpp), all in namespace runner_test:
//  - TempDir: test_util/temp_dir.h's, a fresh $TMPDIR/<prefix>-XXXXXX directory removed on
//    destruction unless the environment sets FAULTLINE_KEEP_E2E or FAULTLINE_KEEP_TEST_TMP
//    (to look at a run after the fact).
//  - read_lines / count_substr: a JSON-lines file as values; the number of lines of a file that
//    contain a substring (0 when the file cannot be read).
//  - LocalCluster: brings a 3-node local cluster named <prefix><pid % 100000> up on
//    construction (throws if it cannot) and tears it down on destruction, whatever happens.
//    It needs root: a test case using it carries the Catch tag [needs-root] (and its executable
//    ROOT_CASES or NEEDS_ROOT in CMakeLists.txt), so without root it reports Skipped.
//  - base_spec / local_processes_spec / cluster_spec: a TestSpec of `system` and `workload`
//    stored under <dir>/store, on no nodes, on 3 local processes, or on the named local cluster;
//    the caller sets the rest (nemesis, time limit, load, seed).
//  - run_quiet: run_test without the progress display.
//  - check_valid_run: CHECKs a run's verdict is valid, exit 0, recovered, and no errors.
//  - fault_starts: the run's successful nemesis start ops (info, no "error" in the value), by f
//    ("start-kill" -> their values); fault_nodes: the node names such a value says it hit.
//  - seed_starting_every_fault: the first seed in [from, from + tries) whose fault plan
//    (nemesis::make_schedule on nodes n1..n3, pure) starts every one of `faults` at least once;
//    FAILs the test case when none does.
//  - applied_faults: per fault kind, how many faults were applied successfully: completions
//    (not invocations) of the nemesis' start-<kind> ops, type info or ok, without an "error".
//    client_ok_ops: the ok completions of client processes in history.jsonl.
//  - check_run_happened: CHECKs that a run did something worth a verdict: ok client ops > 0
//    (in history.jsonl and results.json) and every fault kind of spec.nemesis applied at least
//    once (applied_faults); returns whether all of that held.
//  - stale_reads: reads of the register workload (unique written values) that returned a value
//    older than an acknowledged write which completed before the read was invoked: the value's
//    own write completed before that newer write was invoked (or the value is the initial null).
//    No linearization can explain such a read; one description per stale read.
//  - leaders_by_term: from the daemons' logs (nodes/<n>/<log_name>, "became leader" lines with
//    "term"), the nodes that led each term; two_leaders_in_a_term describes the first term
//    with two, or "" when there is none.
//  - check_final_after_main: the final phase ("final-read" of broadcast, "drain" of queue)
//    began only after every main-phase op completed (the runner's barrier).
//  - prove_knob_e2e: a bug knob found end to end, with its control. Runs spec(seed, knob) for
//    seed = 1..max_seeds until anomaly(outcome) names the knob's anomaly (each run must have
//    happened: check_run_happened); that run must be invalid with exit code 1. Then the correct
//    build, spec(seed, ""), with that same seed and nemesis, must be valid, must have happened,
//    and must not show the anomaly. Returns the seed that found it (the test case fails when none
//    did) and WARNs the seeds tried, the anomaly and the time taken.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <faultline/control/local_cluster.h>
#include <faultline/nemesis/schedule.h>

#include "faultline/runner/run.h"
#include "test_util/temp_dir.h"

namespace runner_test {

using faultline::Json;

using TempDir = faultline::test::TempDir;

inline std::vector<Json> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<Json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(Json::parse(line));
  return out;
}

inline int count_substr(const std::string& file, const std::string& what) {
  std::ifstream in(file);
  std::string line;
  int n = 0;
  while (std::getline(in, line))
    if (line.find(what) != std::string::npos) ++n;
  return n;
}

struct LocalCluster {
  std::string name;
  explicit LocalCluster(const std::string& prefix) : name(prefix + std::to_string(::getpid() % 100000)) {
    try {
      faultline::control::local_cluster_up({.name = name, .nodes = 3, .ready_timeout_ms = 15'000});
    } catch (...) {
      down();
      throw;
    }
  }
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;
  ~LocalCluster() { down(); }

 private:
  void down() noexcept {
    try {
      faultline::control::local_cluster_down(name);
    } catch (...) {
    }
  }
};

inline faultline::runner::TestSpec base_spec(const std::string& system, const std::string& workload,
                                             const TempDir& dir) {
  faultline::runner::TestSpec s;
  s.system = system;
  s.workload = workload;
  s.store = (dir.path / "store").string();
  return s;
}

inline faultline::runner::TestSpec local_processes_spec(const std::string& system, const std::string& workload,
                                                        const TempDir& dir) {
  faultline::runner::TestSpec s = base_spec(system, workload, dir);
  s.nodes.mode = faultline::runner::NodesMode::LocalProcesses;
  s.nodes.count = 3;
  return s;
}

inline faultline::runner::TestSpec cluster_spec(const std::string& system, const std::string& workload,
                                                const std::string& cluster, const TempDir& dir) {
  faultline::runner::TestSpec s = base_spec(system, workload, dir);
  s.nodes.mode = faultline::runner::NodesMode::Cluster;
  s.nodes.cluster = cluster;
  return s;
}

inline faultline::runner::RunOutcome run_quiet(const faultline::runner::TestSpec& s) {
  faultline::runner::RunOptions ro;
  ro.progress = false;
  return faultline::runner::run_test(s, ro);
}

inline void check_valid_run(const faultline::runner::RunOutcome& o) {
  CHECK(o.results["valid"] == true);
  CHECK(o.exit_code == 0);
  CHECK(o.results["recovered"] == true);
  CHECK(o.results["errors"].empty());
}

inline std::map<std::string, std::vector<Json>> fault_starts(const std::string& run_dir) {
  std::map<std::string, std::vector<Json>> out;
  for (const auto& op : read_lines(run_dir + "/history.jsonl")) {
    if (op["process"] != "nemesis" || op["type"] != "info") continue;
    const std::string f = op["f"];
    if (f.rfind("start-", 0) != 0) continue;
    if (op["value"].is_object() && op["value"].contains("error")) continue;
    out[f].push_back(op["value"]);
  }
  return out;
}

inline std::vector<std::string> fault_nodes(const Json& start_value) {
  std::vector<std::string> nodes;
  if (start_value.is_object() && start_value.contains("nodes"))
    for (const auto& n : start_value["nodes"]) nodes.push_back(n);
  return nodes;
}

inline uint64_t seed_starting_every_fault(const std::vector<faultline::nemesis::FaultSpec>& faults,
                                          uint64_t from, uint64_t tries, double interval_s,
                                          double time_limit_s) {
  for (uint64_t seed = from; seed < from + tries; ++seed) {
    faultline::nemesis::ScheduleSpec ss;
    ss.faults = faults;
    ss.interval_ms = static_cast<int64_t>(interval_s * 1000);
    ss.time_limit_ms = static_cast<int64_t>(time_limit_s * 1000);
    ss.seed = seed;
    std::set<size_t> started;
    for (const auto& op : faultline::nemesis::make_schedule(ss, {"n1", "n2", "n3"}))
      if (op.action == faultline::nemesis::ScheduledOp::Action::Start) started.insert(op.fault_index);
    if (started.size() == faults.size()) return seed;
  }
  FAIL("no seed in " << tries << " from " << from << " plans every fault");
  return 0;
}

inline std::map<std::string, int> applied_faults(const std::string& run_dir) {
  std::map<std::string, int> out;
  for (const auto& op : read_lines(run_dir + "/history.jsonl")) {
    if (op["process"] != "nemesis" || (op["type"] != "info" && op["type"] != "ok")) continue;
    const std::string f = op["f"];
    if (f.rfind("start-", 0) != 0) continue;
    if (op["value"].is_object() && op["value"].contains("error")) continue;
    ++out[f.substr(6)];
  }
  return out;
}

inline int64_t client_ok_ops(const std::string& run_dir) {
  int64_t n = 0;
  for (const auto& op : read_lines(run_dir + "/history.jsonl"))
    if (op["process"] != "nemesis" && op["type"] == "ok") ++n;
  return n;
}

inline bool check_run_happened(const faultline::runner::TestSpec& spec,
                               const faultline::runner::RunOutcome& o) {
  const int64_t ok = client_ok_ops(o.run_dir);
  const auto applied = applied_faults(o.run_dir);
  INFO("run " << o.run_dir << ": " << ok << " ok client ops; faults applied: "
              << Json(applied).dump());
  bool good = ok > 0 && o.results["stats"]["ok"].get<int64_t>() > 0;
  CHECK(ok > 0);
  CHECK(o.results["stats"]["ok"].get<int64_t>() > 0);
  for (const auto& entry : spec.nemesis) {
    const std::string kind = faultline::runner::parse_nemesis_entry(entry).kind;
    auto it = applied.find(kind);
    const int n = it == applied.end() ? 0 : it->second;
    INFO("fault kind " << kind << " applied " << n << " times");
    CHECK(n >= 1);
    good = good && n >= 1;
  }
  return good;
}

inline std::vector<std::string> stale_reads(const std::string& run_dir) {
  struct Done {
    int64_t invoke, complete;
    std::string f;
    Json value;
  };
  std::map<Json, std::vector<Done>> by_key;  // completed ok ops per key
  std::map<std::string, int64_t> open;        // process -> invoke index
  for (const auto& op : read_lines(run_dir + "/history.jsonl")) {
    if (op["process"] == "nemesis") continue;
    const std::string p = op["process"].dump();
    if (op["type"] == "invoke") {
      open[p] = op["index"];
    } else if (op["type"] == "ok" && open.count(p)) {
      by_key[op.value("key", Json())].push_back({open[p], op["index"], op["f"], op["value"]});
    }
    if (op["type"] != "invoke") open.erase(p);
  }
  std::vector<std::string> out;
  for (const auto& [key, ops] : by_key) {
    std::map<Json, const Done*> writer;
    for (const Done& w : ops)
      if (w.f == "write") writer[w.value] = &w;
    for (const Done& r : ops) {
      if (r.f != "read") continue;
      const Done* wv = nullptr;
      if (!r.value.is_null()) {
        auto it = writer.find(r.value);
        if (it == writer.end()) continue;  // written by an op that did not complete ok
        wv = it->second;
      }
      for (const Done& w2 : ops) {
        if (w2.f != "write" || w2.value == r.value || w2.complete >= r.invoke) continue;
        if (wv && wv->complete >= w2.invoke) continue;
        out.push_back("key " + key.dump() + ": read [" + std::to_string(r.invoke) + ", " +
                      std::to_string(r.complete) + "] returned " + r.value.dump() +
                      " after write " + w2.value.dump() + " [" + std::to_string(w2.invoke) + ", " +
                      std::to_string(w2.complete) + "] completed");
        break;
      }
    }
  }
  return out;
}

inline std::map<int64_t, std::set<std::string>> leaders_by_term(const std::string& run_dir,
                                                              const std::string& log_name) {
  std::map<int64_t, std::set<std::string>> out;
  for (const auto& node : std::filesystem::directory_iterator(run_dir + "/nodes")) {
    std::ifstream in(node.path() / log_name);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("\"became leader\"") == std::string::npos) continue;
      Json j = Json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("term")) out[j["term"].get<int64_t>()].insert(j["node"]);
    }
  }
  return out;
}

inline std::string two_leaders_in_a_term(const std::string& run_dir, const std::string& log_name) {
  for (const auto& [term, nodes] : leaders_by_term(run_dir, log_name))
    if (nodes.size() > 1) return "term " + std::to_string(term) + " led by " + Json(nodes).dump();
  return "";
}

// The final phase starts only after every main-phase op completed (the runner's barrier): the
// first final op ("final-read" of broadcast, "drain" of queue) comes after the last main-phase
// client completion in the history.
inline void check_final_after_main(const std::string& run_dir, const std::string& final_f) {
  int64_t first_final = -1, last_main_completion = -1;
  std::map<std::string, std::string> open_f;  // process -> f of its open invocation
  for (const auto& op : read_lines(run_dir + "/history.jsonl")) {
    if (op["process"] == "nemesis") continue;
    const std::string p = op["process"].dump();
    const int64_t idx = op["index"];
    if (op["type"] == "invoke") {
      open_f[p] = op["f"];
      if (op["f"] == final_f && first_final < 0) first_final = idx;
    } else if (open_f[p] != final_f) {
      last_main_completion = idx;
    }
  }
  INFO("run " << run_dir << ": first " << final_f << " invoked at " << first_final
              << ", last main-phase completion at " << last_main_completion);
  REQUIRE(first_final >= 0);
  CHECK(first_final > last_main_completion);
}

struct KnobE2E {
  std::string knob;
  uint64_t max_seeds = 3;
  std::function<faultline::runner::TestSpec(uint64_t seed, const std::string& bug)> spec;
  // The knob's anomaly in a run, described; "" when the run does not show it.
  std::function<std::string(const faultline::runner::RunOutcome&)> anomaly;
};

inline uint64_t prove_knob_e2e(const KnobE2E& k) {
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t found = 0;
  std::string what;
  for (uint64_t seed = 1; seed <= k.max_seeds && !found; ++seed) {
    const faultline::runner::TestSpec s = k.spec(seed, k.knob);
    const faultline::runner::RunOutcome o = run_quiet(s);
    INFO("--bug " << k.knob << " seed " << seed << ", run " << o.run_dir << "\n"
                  << o.results.dump(2).substr(0, 3000));
    check_run_happened(s, o);
    what = k.anomaly(o);
    if (what.empty()) continue;
    found = seed;
    CHECK(o.results["valid"] == false);
    CHECK(o.exit_code == 1);
  }
  INFO("--bug " << k.knob << ": the anomaly was not found in " << k.max_seeds << " seeds");
  REQUIRE(found != 0);
  const faultline::runner::TestSpec s = k.spec(found, "");
  const faultline::runner::RunOutcome o = run_quiet(s);
  INFO("correct build, seed " << found << ", run " << o.run_dir << "\n"
                              << o.results.dump(2).substr(0, 3000));
  check_valid_run(o);
  check_run_happened(s, o);
  CHECK(k.anomaly(o).empty());
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("--bug " << k.knob << " found at seed " << found << " of " << k.max_seeds << ": " << what
                << "; the correct build valid on that seed; " << took << " s in all");
  return found;
}

}  // namespace runner_test
