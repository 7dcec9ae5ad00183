// Multi-Paxos core under the seeded in-memory network (tests/sut/paxos_sim.h): drops,
// duplicates, delays/reorders, partitions, crash/restart from persisted records. The correct
// build must stay safe on every step and linearizable over many seeds; each bug knob must be
// caught. A failure prints its seed; PAXOS_SIM_SEEDS=<n> runs seeds 1..n (default 60).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "paxos_sim.h"

using namespace faultline::paxos;
using namespace faultline::paxos::sim;

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

uint64_t seed_count(uint64_t fallback) {
  if (const char* env = std::getenv("PAXOS_SIM_SEEDS")) return std::strtoull(env, nullptr, 10);
  return fallback;
}

}  // namespace

TEST_CASE("paxos sim: correct build is safe, linearizable and live over many seeds", "[paxos][sim]") {
  const uint64_t seeds = seed_count(60);
  uint64_t total_ok = 0, total_elections = 0;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    for (std::size_t n : {3u, 5u}) {
      SimOptions o;
      o.seed = seed;
      o.nodes = n;
      PaxosSim sim(o);
      auto violations = sim.run();
      INFO("seed " << seed << " nodes " << n);
      INFO(joined(violations));
      REQUIRE(violations.empty());
      auto history_problems = sim.check_history();
      INFO(joined(history_problems));
      REQUIRE(history_problems.empty());
      auto liveness = sim.liveness_problems();
      INFO(joined(liveness));
      REQUIRE(liveness.empty());
      total_ok += sim.ok_ops();
      total_elections += sim.leader_elections();
    }
  }
  // The runs did real work: many acknowledged ops and repeated elections under faults.
  CHECK(total_ok > seeds * 100);
  CHECK(total_elections > seeds * 2);
}

TEST_CASE("paxos sim: no faults means no spurious elections", "[paxos][sim]") {
  SimOptions o;
  o.seed = 7;
  o.drop = o.duplicate = o.crash_per_tick = o.partition_per_tick = 0;
  PaxosSim sim(o);
  REQUIRE(sim.run().empty());
  REQUIRE(sim.check_history().empty());
  CHECK(sim.leader_elections() == 1);
  CHECK(sim.ok_ops() > 500);
}

TEST_CASE("paxos sim: the history oracle rejects tampered histories", "[paxos][sim]") {
  SimOptions o;
  o.seed = 3;
  PaxosSim sim(o);
  REQUIRE(sim.run().empty());
  REQUIRE(sim.check_history().empty());
  auto& h = sim.mutable_history();
  // 1. A read that returns a value the log does not give.
  std::size_t read = h.size();
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h[i].type == SimOp::Type::Ok && h[i].request["op"] == "read") read = i;
  }
  REQUIRE(read < h.size());
  const auto saved = h[read].result;
  h[read].result["value"] = 12345;
  CHECK(!sim.check_history().empty());
  h[read].result = saved;
  // 2. Real-time order broken: pretend an op completed before an earlier-logged op was invoked.
  std::size_t last_ok = h.size();
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h[i].type == SimOp::Type::Ok) last_ok = i;
  }
  REQUIRE(last_ok < h.size());
  h[last_ok].complete_tick = 1;
  CHECK(!sim.check_history().empty());
}

namespace {

// Runs seeds until one shows a safety violation or a non-linearizable history; returns the
// first catching seed (0 = never caught).
uint64_t first_catching_seed(const Bugs& bugs, uint64_t max_seeds, std::string* what,
                             bool client_visible_only = false) {
  for (uint64_t seed = 1; seed <= max_seeds; ++seed) {
    SimOptions o;
    o.seed = seed;
    o.bugs = bugs;
    // Harsher faults make the bug windows common.
    o.crash_per_tick = 0.01;
    o.restart_per_tick = 0.05;
    o.partition_per_tick = 0.01;
    o.max_delay_ticks = 25;
    PaxosSim sim(o);
    auto violations = sim.run();
    auto history = sim.check_history();
    if (!history.empty() || (!client_visible_only && !violations.empty())) {
      *what = client_visible_only ? joined(history) + joined(violations)
                                  : joined(violations) + joined(history);
      return seed;
    }
  }
  return 0;
}

}  // namespace

TEST_CASE("paxos sim: bug knob no-persist is caught", "[paxos][sim][bug]") {
  Bugs bugs;
  bugs.no_persist = true;
  std::string what;
  const uint64_t seed = first_catching_seed(bugs, 200, &what);
  INFO("caught at seed " << seed << ":\n" << what);
  REQUIRE(seed != 0);
  WARN("no-persist caught at seed " << seed << ": " << what.substr(0, what.find('\n')));
}

TEST_CASE("paxos sim: bug knob skip-promise-check is caught", "[paxos][sim][bug]") {
  Bugs bugs;
  bugs.skip_promise_check = true;
  std::string what;
  const uint64_t seed = first_catching_seed(bugs, 200, &what);
  INFO("caught at seed " << seed << ":\n" << what);
  REQUIRE(seed != 0);
  WARN("skip-promise-check caught at seed " << seed << ": " << what.substr(0, what.find('\n')));
}

TEST_CASE("paxos sim: each bug knob also breaks linearizability of client histories",
          "[paxos][sim][bug]") {
  for (int knob = 0; knob < 2; ++knob) {
    Bugs bugs;
    (knob == 0 ? bugs.no_persist : bugs.skip_promise_check) = true;
    std::string what;
    const uint64_t seed = first_catching_seed(bugs, 300, &what, /*client_visible_only=*/true);
    INFO((knob == 0 ? "no-persist" : "skip-promise-check") << " caught at seed " << seed << ":\n"
                                                           << what);
    REQUIRE(seed != 0);
    WARN((knob == 0 ? "no-persist" : "skip-promise-check")
         << " non-linearizable at seed " << seed << ": " << what.substr(0, what.find('\n')));
  }
}
