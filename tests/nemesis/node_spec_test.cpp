// Faults aimed like Jepsen's combined nemesis: the "any" target draws a node spec per occurrence
// (one, minority, majority, all, primaries; the empty or undefined ones never), seeded; a list
// of fault kinds runs as a shuffled round robin. Pure functions (target.h, schedule.h), plus the
// schedule runner recording each occurrence's node spec in its history ops (FakeRemotes).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "fake_remote.h"
#include "faultline/nemesis/schedule.h"
#include "faultline/nemesis/schedule_runner.h"
#include "faultline/nemesis/target.h"

using namespace faultline;
using namespace faultline::nemesis;

namespace {

std::vector<std::string> names(int n) {
  std::vector<std::string> v;
  for (int i = 1; i <= n; ++i) v.push_back("n" + std::to_string(i));
  return v;
}

// A schedule of `faults` with `cycles` start/stop pairs (interval 10 ms).
std::vector<ScheduledOp> plan(const std::vector<FaultSpec>& faults, int cycles, int nodes,
                              bool primaries, uint64_t seed) {
  ScheduleSpec s;
  s.faults = faults;
  s.interval_ms = 10;
  s.time_limit_ms = 20 * cycles;
  s.seed = seed;
  s.primaries = primaries;
  auto ops = make_schedule(s, names(nodes));
  REQUIRE(ops.size() == static_cast<size_t>(2 * cycles));
  return ops;
}

std::vector<ScheduledOp> starts(const std::vector<ScheduledOp>& ops) {
  std::vector<ScheduledOp> out;
  for (const auto& op : ops)
    if (op.action == ScheduledOp::Action::Start) out.push_back(op);
  return out;
}

// The nodes a start resolved to: "all" -> every node, "primaries" stays symbolic (empty).
size_t resolved_size(const ScheduledOp& op, int nodes) {
  const auto t = parse_target(op.spec.target);
  if (t.kind == TargetSpec::Kind::All) return static_cast<size_t>(nodes);
  if (t.kind == TargetSpec::Kind::Primaries) return 0;
  REQUIRE(t.kind == TargetSpec::Kind::List);
  return t.names.size();
}

}  // namespace

TEST_CASE("node spec choices leave out the empty and the undefined") {
  using K = TargetSpec::Kind;
  CHECK(node_spec_choices(3, true) == std::vector<K>{K::One, K::Minority, K::Majority, K::All, K::Primaries});
  CHECK(node_spec_choices(3, false) == std::vector<K>{K::One, K::Minority, K::Majority, K::All});
  // The minority of one node is empty.
  CHECK(node_spec_choices(1, true) == std::vector<K>{K::One, K::Majority, K::All, K::Primaries});
  CHECK(node_spec_choices(2, false) == std::vector<K>{K::One, K::Minority, K::Majority, K::All});
  CHECK_THROWS_AS(node_spec_choices(0, false), std::invalid_argument);
  CHECK(format_target(parse_target("any")) == "any");
}

TEST_CASE("a shuffled round robin deals every choice once per round, seeded") {
  for (size_t size : {1, 2, 3, 5, 8}) {
    std::set<std::vector<size_t>> first_rounds;
    for (uint64_t seed = 0; seed < 40; ++seed) {
      ShuffledRoundRobin a(size, seed), b(size, seed);
      std::vector<size_t> first;
      for (int round = 0; round < 6; ++round) {
        std::set<size_t> dealt;
        for (size_t i = 0; i < size; ++i) {
          const size_t x = a.next();
          CHECK(x == b.next());  // deterministic per seed
          CHECK(x < size);
          dealt.insert(x);
          if (round == 0) first.push_back(x);
        }
        CHECK(dealt.size() == size);  // every choice once per round
      }
      first_rounds.insert(first);
    }
    // Seeded: the order differs between seeds (all 1, 2 or 6 orders show up for small sizes).
    const size_t orders = size == 1 ? 1 : size == 2 ? 2 : size == 3 ? 6 : 20;
    CHECK(first_rounds.size() >= orders);
  }
  CHECK_THROWS_AS(ShuffledRoundRobin(0, 1), std::invalid_argument);
}

TEST_CASE("'any' aims each occurrence at every defined node spec, the undefined never") {
  const FaultSpec kill{"kill", Json::object(), "any"};
  struct Case {
    int nodes;
    bool primaries;
    std::set<std::string> defined;
  };
  for (const Case& c : {Case{3, true, {"one", "minority", "majority", "all", "primaries"}},
                        Case{3, false, {"one", "minority", "majority", "all"}},
                        Case{5, true, {"one", "minority", "majority", "all", "primaries"}},
                        Case{1, false, {"one", "majority", "all"}},
                        Case{1, true, {"one", "majority", "all", "primaries"}}}) {
    for (uint64_t seed = 0; seed < 10; ++seed) {
      INFO("nodes " << c.nodes << ", primaries " << c.primaries << ", seed " << seed);
      const auto ops = starts(plan({kill}, 60, c.nodes, c.primaries, seed));
      std::map<std::string, int> seen;
      const size_t k = c.defined.size();
      for (size_t i = 0; i < ops.size(); ++i) {
        const ScheduledOp& op = ops[i];
        REQUIRE(c.defined.count(op.node_spec) == 1);  // the undefined are never chosen
        ++seen[op.node_spec];
        // Every choice before one repeats: each full round holds each spec once.
        if ((i + 1) % k == 0) {
          std::set<std::string> round;
          for (size_t j = i + 1 - k; j <= i; ++j) round.insert(ops[j].node_spec);
          CHECK(round == c.defined);
        }
        // The spec drawn is the one applied: sizes as target.h says, primaries symbolic.
        const size_t n = static_cast<size_t>(c.nodes);
        const std::map<std::string, size_t> size = {
            {"one", 1}, {"minority", std::max<size_t>(1, (n - 1) / 2)}, {"majority", n / 2 + 1},
            {"all", n}, {"primaries", 0}};
        CHECK(resolved_size(op, c.nodes) == size.at(op.node_spec));
        CHECK(op.spec.params.contains("seed"));
      }
      CHECK(seen.size() == k);  // the distribution covers every defined spec
      // 60 occurrences are whole rounds for 3, 4 and 5 choices: each spec equally often.
      for (const auto& [spec, count] : seen) CHECK(count == static_cast<int>(60 / k));
    }
  }
}

TEST_CASE("aims and kind orders are functions of the seed; pinned targets stay pinned") {
  const std::vector<FaultSpec> faults = {{"kill", Json::object(), "any"},
                                         {"pause", Json::object(), "any"},
                                         {"partition", {{"shape", "random-halves"}}, "all"},
                                         {"clock", {{"bump_ms", 1000}}, "majority"}};
  std::set<std::string> sequences;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    INFO("seed " << seed);
    const auto a = plan(faults, 40, 5, true, seed);
    const auto b = plan(faults, 40, 5, true, seed);
    std::string seq;
    for (size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].to_json() == b[i].to_json());
      if (a[i].action == ScheduledOp::Action::Start)
        seq += std::to_string(a[i].fault_index) + a[i].node_spec + ";";
    }
    sequences.insert(seq);
    const auto s = starts(a);
    for (size_t i = 0; i < s.size(); ++i) {
      // Kinds: a shuffled round robin, every kind before one repeats.
      if ((i + 1) % faults.size() == 0) {
        std::set<size_t> round;
        for (size_t j = i + 1 - faults.size(); j <= i; ++j) round.insert(s[j].fault_index);
        CHECK(round.size() == faults.size());
      }
      // A partition keeps its shape and target; a pinned node spec is recorded as given.
      if (s[i].spec.kind == "partition") {
        CHECK(s[i].node_spec == "all");
        CHECK(s[i].spec.target == "all");
        CHECK(s[i].spec.params["shape"] == "random-halves");
      }
      if (s[i].spec.kind == "clock") {
        CHECK(s[i].node_spec == "majority");
        CHECK(resolved_size(s[i], 5) == 3);
      }
    }
    // Stops carry their start's node spec.
    for (size_t i = 0; i + 1 < a.size(); i += 2) CHECK(a[i + 1].node_spec == a[i].node_spec);
    CHECK(a[0].to_json().at("node_spec") == a[0].node_spec);
  }
  CHECK(sequences.size() == 20);  // different seeds, different plans
}

TEST_CASE("a two-kind list gets both kinds in two slots, whatever the seed") {
  const std::vector<FaultSpec> faults = {{"partition", {{"shape", "random-halves"}}, "all"},
                                         {"kill", Json::object(), "any"}};
  std::set<size_t> firsts;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const auto s = starts(plan(faults, 2, 3, true, seed));
    CHECK(s[0].fault_index != s[1].fault_index);
    firsts.insert(s[0].fault_index);
  }
  CHECK(firsts.size() == 2);  // either may come first
}

TEST_CASE("select_targets and the nemesis resolve 'any' themselves, seeded") {
  const auto nodes = names(3);
  std::set<size_t> sizes;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    const auto a = select_targets(parse_target("any"), nodes, {}, seed);
    CHECK(a == select_targets(parse_target("any"), nodes, {}, seed));
    REQUIRE_FALSE(a.empty());
    sizes.insert(a.size());
  }
  CHECK(sizes == std::set<size_t>{1, 2, 3});
  // With primaries named, "primaries" is among the draws.
  bool leader_only = false;
  for (uint64_t seed = 0; seed < 64 && !leader_only; ++seed)
    leader_only = select_targets(parse_target("any"), nodes, {"n2"}, seed) == std::vector<std::string>{"n2"};
  CHECK(leader_only);
}

TEST_CASE("the schedule runner records each occurrence's node spec in its history ops") {
  const std::string dir = std::filesystem::temp_directory_path() /
                          ("fl-node-spec-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::vector<std::unique_ptr<testing::FakeRemote>> remotes;
  std::vector<NodeHandle> handles;
  for (int i = 1; i <= 3; ++i) {
    remotes.push_back(std::make_unique<testing::FakeRemote>("n" + std::to_string(i)));
    handles.push_back({"n" + std::to_string(i), "10.9.1." + std::to_string(10 + i), remotes.back().get()});
  }
  {
    NemesisConfig cfg;
    cfg.journal_path = dir + "/journal.jsonl";
    Nemesis nem(handles, {}, cfg);
    const auto ops = plan({{"loss", {{"probability", 0.1}}, "any"}}, 8, 3, false, 7);
    std::vector<Op> history;
    ScheduleRunOptions o;
    o.on_op = [&](const Op& op) { history.push_back(op); };
    CHECK(run_schedule(nem, ops, o).ok());
    std::set<std::string> specs;
    size_t checked = 0;
    for (size_t i = 0; i + 1 < history.size(); ++i) {
      if (history[i].f != "start-loss" || history[i].type != OpType::Invoke) continue;
      const Op& done = history[i + 1];
      REQUIRE(done.type == OpType::Info);
      REQUIRE_FALSE(done.value.contains("error"));
      const std::string spec = history[i].value.at("node_spec");
      CHECK(done.value.at("node_spec") == spec);
      const size_t hit = done.value.at("nodes").size();
      CHECK(hit == (spec == "all" ? 3u : spec == "majority" ? 2u : 1u));
      specs.insert(spec);
      ++checked;
    }
    CHECK(checked == 8);
    CHECK(specs == std::set<std::string>{"one", "minority", "majority", "all"});
  }
  std::filesystem::remove_all(dir);
}
