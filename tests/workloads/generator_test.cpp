// Generator: determinism, weights, rate, time limit, per-key rotation, phases, final phase.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>

#include "faultline/workloads/generator.h"

using namespace faultline;
using namespace faultline::workloads;

namespace {

constexpr int64_t kSec = 1'000'000'000;

GeneratorConfig basic(uint64_t seed) {
  GeneratorConfig c;
  c.seed = seed;
  c.concurrency = 4;
  c.phases = {Phase{{OpTemplate{"read", 1, ValueKind::None},
                     OpTemplate{"write", 1, ValueKind::RandomInt, 0, 4},
                     OpTemplate{"cas", 1, ValueKind::CasPair, 0, 4}},
                    10 * kSec}};
  return c;
}

// A caller that always has a free process (round robin) and jumps to each Pending time; without
// a rate the clock advances step_ns per op. Stops at Exhausted or after max_ops.
std::vector<ScheduleRecord> drive(const GeneratorConfig& c, int64_t step_ns = 1'000'000,
                                  size_t max_ops = 1'000'000) {
  GeneratorState s = initial_state(c);
  std::vector<ScheduleRecord> out;
  int64_t now = 0;
  int64_t proc = 0;
  for (size_t guard = 0; guard < 4 * max_ops + 16 && out.size() < max_ops; ++guard) {
    Step step = next(c, s, GenContext{now, proc % c.concurrency});
    if (auto* r = std::get_if<ScheduleRecord>(&step)) {
      out.push_back(*r);
      ++proc;
      if (c.rate_per_s == 0) now += step_ns;
    } else if (auto* p = std::get_if<Pending>(&step)) {
      REQUIRE_FALSE(p->waiting_for_process);
      REQUIRE(p->until_ns > now);
      now = p->until_ns;
    } else {
      break;
    }
  }
  return out;
}

std::string dump(const std::vector<ScheduleRecord>& rs) {
  std::ostringstream o;
  write_schedule_jsonl(o, rs);
  return o.str();
}

}  // namespace

TEST_CASE("same seed gives the same schedule, another seed a different one") {
  auto a = drive(basic(42), 1'000'000, 2000);
  auto b = drive(basic(42), 1'000'000, 2000);
  auto c = drive(basic(43), 1'000'000, 2000);
  REQUIRE(a.size() == 2000);
  CHECK(dump(a) == dump(b));
  CHECK(dump(a) != dump(c));
}

TEST_CASE("a copied state replays the rest of the schedule") {
  GeneratorConfig c = basic(7);
  GeneratorState s = initial_state(c);
  for (int i = 0; i < 100; ++i) next(c, s, GenContext{i, 0});
  GeneratorState copy = s;
  for (int i = 100; i < 200; ++i) {
    Step x = next(c, s, GenContext{i, 1});
    Step y = next(c, copy, GenContext{i, 1});
    REQUIRE(std::holds_alternative<ScheduleRecord>(x));
    CHECK(schedule_record_to_json(std::get<ScheduleRecord>(x)) ==
          schedule_record_to_json(std::get<ScheduleRecord>(y)));
  }
}

TEST_CASE("weights are respected over 10k draws") {
  GeneratorConfig c;
  c.seed = 1;
  c.phases = {Phase{{OpTemplate{"read", 6}, OpTemplate{"write", 3}, OpTemplate{"cas", 1},
                     OpTemplate{"never", 0}},
                    kSec * 100}};
  auto ops = drive(c, 1000, 10000);
  REQUIRE(ops.size() == 10000);
  std::map<std::string, int> n;
  for (const auto& r : ops) ++n[r.f];
  CHECK(n["read"] > 5700);
  CHECK(n["read"] < 6300);
  CHECK(n["write"] > 2700);
  CHECK(n["write"] < 3300);
  CHECK(n["cas"] > 850);
  CHECK(n["cas"] < 1150);
  CHECK(n["never"] == 0);
}

TEST_CASE("values: random ints in bounds, cas pairs, unique ints never repeat") {
  GeneratorConfig c = basic(3);
  c.phases[0].mix.push_back(OpTemplate{"add", 2, ValueKind::NextUniqueInt});
  auto ops = drive(c, 1000, 5000);
  std::set<int64_t> unique;
  int adds = 0;
  for (const auto& r : ops) {
    if (r.f == "read") CHECK(r.value.is_null());
    if (r.f == "write") {
      CHECK(r.value.get<int64_t>() >= 0);
      CHECK(r.value.get<int64_t>() <= 4);
    }
    if (r.f == "cas") {
      REQUIRE(r.value.is_array());
      REQUIRE(r.value.size() == 2);
      CHECK(r.value[1].get<int64_t>() <= 4);
    }
    if (r.f == "add") {
      ++adds;
      CHECK(unique.insert(r.value.get<int64_t>()).second);
    }
  }
  CHECK(adds > 1500);
  CHECK(static_cast<int>(unique.size()) == adds);
}

TEST_CASE("uniform rate spaces ops exactly 1e9/rate ns") {
  GeneratorConfig c = basic(5);
  c.rate_per_s = 200;
  auto ops = drive(c);
  REQUIRE(ops.size() == 2000);  // 10 s at 200/s
  for (size_t i = 1; i < ops.size(); ++i) REQUIRE(ops[i].time_ns - ops[i - 1].time_ns == 5'000'000);
}

TEST_CASE("poisson rate has the right mean gap and varies") {
  GeneratorConfig c = basic(9);
  c.rate_per_s = 1000;
  c.arrival = Arrival::Poisson;
  auto ops = drive(c);
  REQUIRE(ops.size() > 1000);
  const double mean = static_cast<double>(ops.back().time_ns - ops.front().time_ns) / (ops.size() - 1);
  CHECK(mean > 0.9e6);
  CHECK(mean < 1.1e6);
  std::set<int64_t> gaps;
  for (size_t i = 1; i < ops.size(); ++i) gaps.insert(ops[i].time_ns - ops[i - 1].time_ns);
  CHECK(gaps.size() > ops.size() / 2);
}

TEST_CASE("time limit ends the run with Exhausted and nothing scheduled after it") {
  GeneratorConfig c = basic(11);
  c.rate_per_s = 100;
  c.time_limit_ns = 2 * kSec;
  auto ops = drive(c);
  REQUIRE(ops.size() == 200);
  CHECK(ops.back().time_ns < 2 * kSec);
  GeneratorState s = initial_state(c);
  Step st = next(c, s, GenContext{3 * kSec, 0});
  CHECK(std::holds_alternative<Exhausted>(st));
}

TEST_CASE("no free process: Pending waiting for a process, nothing consumed") {
  GeneratorConfig c = basic(12);
  GeneratorState s = initial_state(c);
  Step st = next(c, s, GenContext{0, std::nullopt});
  REQUIRE(std::holds_alternative<Pending>(st));
  CHECK(std::get<Pending>(st).waiting_for_process);
  CHECK(s.emitted == 0);
}

TEST_CASE("independent keys: at most ops_per_key per key, keys rotate, final read per key") {
  GeneratorConfig c = basic(13);
  c.independent_keys = true;
  c.ops_per_key = 10;
  c.keys_in_flight = 3;
  c.final_ops = {OpTemplate{"read"}};
  auto ops = drive(c, 1'000'000);
  std::map<int64_t, int> per_key;
  std::vector<ScheduleRecord> finals;
  for (const auto& r : ops) {
    if (r.phase == -1) {
      finals.push_back(r);
      continue;
    }
    REQUIRE(finals.empty());  // final ops come after every main op
    ++per_key[r.key.get<int64_t>()];
  }
  REQUIRE(per_key.size() > 900);  // 10000 ops / 10 per key
  for (const auto& [k, n] : per_key) CHECK(n <= 10);
  // Keys are 0..K-1 with no gaps; at most keys_in_flight are unfinished.
  CHECK(per_key.rbegin()->first == static_cast<int64_t>(per_key.size()) - 1);
  int unfinished = 0;
  for (const auto& [k, n] : per_key) unfinished += n < 10;
  CHECK(unfinished <= 3);
  REQUIRE(finals.size() == per_key.size());
  for (size_t i = 0; i < finals.size(); ++i) {
    CHECK(finals[i].f == "read");
    CHECK(finals[i].key.get<int64_t>() == static_cast<int64_t>(i));
  }
}

TEST_CASE("phases switch mixes at their boundaries") {
  GeneratorConfig c;
  c.seed = 17;
  c.rate_per_s = 100;
  c.phases = {Phase{{OpTemplate{"write"}}, kSec}, Phase{{OpTemplate{"read"}}, 2 * kSec}};
  c.final_ops = {OpTemplate{"final-read"}};
  auto ops = drive(c);
  REQUIRE(ops.size() == 301);
  for (const auto& r : ops) {
    if (r.phase == -1) {
      CHECK(r.f == "final-read");
      CHECK(r.key.is_null());
    } else if (r.time_ns < kSec) {
      CHECK(r.f == "write");
      CHECK(r.phase == 0);
    } else {
      CHECK(r.f == "read");
      CHECK(r.phase == 1);
    }
  }
  CHECK(ops.back().phase == -1);
}

TEST_CASE("schedule JSONL: one object per line with the record's fields") {
  ScheduleRecord r{5, 2, "cas", Json::array({1, 2}), 7, 0};
  std::ostringstream o;
  write_schedule_jsonl(o, {r, r});
  std::istringstream in(o.str());
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    Json j = Json::parse(line);
    CHECK(j["time"] == 5);
    CHECK(j["process"] == 2);
    CHECK(j["f"] == "cas");
    CHECK(j["value"] == Json::array({1, 2}));
    CHECK(j["key"] == 7);
    CHECK(j["phase"] == 0);
  }
  CHECK(lines == 2);
}

TEST_CASE("invalid configs are rejected with the field named") {
  GeneratorConfig c = basic(1);
  c.phases.clear();
  CHECK_THROWS_WITH(initial_state(c), Catch::Contains("phase"));
  c = basic(1);
  c.independent_keys = true;
  CHECK_THROWS_WITH(initial_state(c), Catch::Contains("ops_per_key"));
}

TEST_CASE("a caller with a bounded process pool: ops wait for a free process, none is reused while busy") {
  GeneratorConfig c = basic(21);
  c.concurrency = 3;
  c.rate_per_s = 1000;  // 1 ms apart, but each op takes 5 ms: 3 processes manage 0.6 ops/ms
  c.time_limit_ns = kSec / 10;
  GeneratorState s = initial_state(c);
  std::map<int64_t, int64_t> busy_until;  // process -> completion time
  for (int64_t p = 0; p < c.concurrency; ++p) busy_until[p] = 0;
  int64_t now = 0;
  int issued = 0, waits = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    std::optional<int64_t> free;
    for (const auto& [p, t] : busy_until)
      if (t <= now) { free = p; break; }
    Step st = next(c, s, GenContext{now, free});
    if (auto* r = std::get_if<ScheduleRecord>(&st)) {
      REQUIRE(free);
      REQUIRE(r->process == *free);
      REQUIRE(r->time_ns <= now);
      busy_until[r->process] = now + 5'000'000;
      REQUIRE(r->time_ns < c.time_limit_ns);
      ++issued;
    } else if (auto* p = std::get_if<Pending>(&st)) {
      if (p->waiting_for_process) {
        ++waits;
        int64_t soonest = INT64_MAX;
        for (const auto& [q, t] : busy_until) soonest = std::min(soonest, t);
        REQUIRE(soonest > now);
        now = soonest;
      } else {
        REQUIRE(p->until_ns > now);
        now = p->until_ns;
      }
    } else {
      break;
    }
  }
  // The time limit is wall-clock: of the 100 scheduled ops only what 3 processes can run in 100 ms.
  CHECK(issued >= 55);
  CHECK(issued <= 63);
  CHECK(waits > 0);
  CHECK(std::holds_alternative<Exhausted>(next(c, s, GenContext{now, 0})));
}
