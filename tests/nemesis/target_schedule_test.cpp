// Target selection and schedules: pure, seeded, replayable.
#include <catch2/catch.hpp>

#include <set>

#include "faultline/nemesis/schedule.h"
#include "faultline/nemesis/target.h"

using namespace faultline::nemesis;

namespace {
std::vector<std::string> names(int n) {
  std::vector<std::string> v;
  for (int i = 1; i <= n; ++i) v.push_back("n" + std::to_string(i));
  return v;
}
}  // namespace

TEST_CASE("target specs parse and format") {
  for (const char* s : {"one", "minority", "majority", "all", "primaries", "n1,n3"})
    CHECK(format_target(parse_target(s)) == s);
  CHECK(parse_target("n2").names == std::vector<std::string>{"n2"});
  CHECK_THROWS_AS(parse_target(""), std::invalid_argument);
  CHECK_THROWS_AS(parse_target("n1,,n2"), std::invalid_argument);
}

TEST_CASE("target selection sizes, order and seeds") {
  for (int n : {1, 2, 3, 4, 5, 7}) {
    auto nodes = names(n);
    for (uint64_t seed = 0; seed < 32; ++seed) {
      INFO("n=" << n << " seed=" << seed);
      auto one = select_targets(parse_target("one"), nodes, {}, seed);
      auto minority = select_targets(parse_target("minority"), nodes, {}, seed);
      auto majority = select_targets(parse_target("majority"), nodes, {}, seed);
      CHECK(one.size() == 1);
      CHECK(minority.size() == std::max<size_t>(1, (n - 1) / 2));
      CHECK(majority.size() == static_cast<size_t>(std::min(n, n / 2 + 1)));
      CHECK(select_targets(parse_target("all"), nodes, {}, seed) == nodes);
      CHECK(majority == select_targets(parse_target("majority"), nodes, {}, seed));
      // Returned in cluster order, no duplicates.
      for (size_t i = 1; i < majority.size(); ++i) CHECK(majority[i - 1] < majority[i]);
    }
  }
  std::set<std::string> ones;
  for (uint64_t seed = 0; seed < 64; ++seed)
    ones.insert(select_targets(parse_target("one"), names(5), {}, seed)[0]);
  CHECK(ones.size() == 5);  // every node gets picked by some seed
}

TEST_CASE("primaries and named lists") {
  auto nodes = names(5);
  CHECK(select_targets(parse_target("primaries"), nodes, {"n3"}, 0) ==
        std::vector<std::string>{"n3"});
  CHECK_THROWS_AS(select_targets(parse_target("primaries"), nodes, {}, 0), std::invalid_argument);
  CHECK(select_targets(parse_target("n4,n2,n4"), nodes, {}, 0) ==
        std::vector<std::string>{"n4", "n2"});
  CHECK_THROWS_AS(select_targets(parse_target("n9"), nodes, {}, 0), std::invalid_argument);
}

TEST_CASE("schedule timeline: quiet, start, hold, stop; every start has a stop in time") {
  ScheduleSpec s;
  s.faults = {{"partition", {{"shape", "halves"}}, "all"}, {"kill", {}, "one"}};
  s.interval_ms = 1000;
  s.time_limit_ms = 9500;
  s.order = ScheduleSpec::Order::Fixed;
  auto ops = make_schedule(s, names(5));
  REQUIRE(ops.size() == 8);  // cycles at 1,3,5,7 s (stop at 8 s); 9..10 s does not fit
  for (size_t i = 0; i < ops.size(); i += 2) {
    CHECK(ops[i].action == ScheduledOp::Action::Start);
    CHECK(ops[i + 1].action == ScheduledOp::Action::Stop);
    CHECK(ops[i].at_ms == static_cast<int64_t>(1000 * (i + 1)));
    CHECK(ops[i + 1].at_ms == ops[i].at_ms + 1000);
    CHECK(ops[i].fault_index == (i / 2) % 2);  // round robin
    CHECK(ops[i + 1].at_ms <= s.time_limit_ms);
  }
  // Random targets are resolved to one named node and carry a seed.
  CHECK(ops[2].spec.kind == "kill");
  CHECK(parse_target(ops[2].spec.target).kind == TargetSpec::Kind::List);
  CHECK(parse_target(ops[2].spec.target).names.size() == 1);
  CHECK(ops[2].spec.params.contains("seed"));
  CHECK(ops[0].spec.target == "all");
}

TEST_CASE("random schedules are a function of the seed") {
  ScheduleSpec s;
  s.faults = {{"partition", {}, "all"}, {"pause", {}, "minority"}, {"clock", {}, "majority"}};
  s.interval_ms = 100;
  s.time_limit_ms = 10'000;
  std::set<std::vector<size_t>> orders;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    INFO("seed " << seed);
    s.seed = seed;
    auto a = make_schedule(s, names(5));
    auto b = make_schedule(s, names(5));
    REQUIRE(a.size() == b.size());
    std::vector<size_t> order;
    for (size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].to_json() == b[i].to_json());
      if (a[i].action == ScheduledOp::Action::Start) order.push_back(a[i].fault_index);
    }
    CHECK(std::set<size_t>(order.begin(), order.end()).size() == 3);  // 50 draws hit all 3
    orders.insert(order);
  }
  CHECK(orders.size() == 20);
  s.faults.clear();
  CHECK_THROWS_AS(make_schedule(s, names(3)), std::invalid_argument);
}
