// Playing a schedule against FakeRemotes: history ops, pairing of starts and stops, heal at end,
// early stop.
#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "fake_remote.h"
#include "faultline/nemesis/schedule_runner.h"

using namespace faultline;
using namespace faultline::nemesis;
using faultline::nemesis::testing::FakeRemote;

namespace {
struct Rig {
  std::string dir = std::filesystem::temp_directory_path() /
                    ("fl-sched-unit-" + std::to_string(::getpid()));
  std::vector<std::unique_ptr<FakeRemote>> remotes;
  std::vector<NodeHandle> handles;
  Rig() {
    std::filesystem::remove_all(dir);
    for (int i = 1; i <= 3; ++i) {
      remotes.push_back(std::make_unique<FakeRemote>("n" + std::to_string(i)));
      handles.push_back({"n" + std::to_string(i), "10.9.0." + std::to_string(10 + i), remotes.back().get()});
    }
  }
  ~Rig() { std::filesystem::remove_all(dir); }
};
}  // namespace

TEST_CASE("a schedule plays as nemesis history ops and ends healed") {
  Rig rig;
  NemesisConfig cfg;
  cfg.journal_path = rig.dir + "/journal.jsonl";
  Nemesis nem(rig.handles, {}, cfg);
  ScheduleSpec s;
  s.faults = {{"partition", {{"shape", "halves"}}, "all"}, {"loss", {{"probability", 0.1}}, "one"}};
  s.interval_ms = 10;
  s.time_limit_ms = 85;
  s.order = ScheduleSpec::Order::Fixed;
  s.seed = 3;
  auto ops = make_schedule(s, {"n1", "n2", "n3"});
  REQUIRE(ops.size() == 8);
  std::vector<Op> history;
  ScheduleRunOptions o;
  o.on_op = [&](const Op& op) { history.push_back(op); };
  auto rep = run_schedule(nem, ops, o);
  CHECK(rep.ok());
  REQUIRE(history.size() == 18);  // 8 ops + heal, each invoke + info
  for (size_t i = 0; i < history.size(); i += 2) {
    CHECK(history[i].process == kNemesisProcess);
    CHECK(history[i].type == OpType::Invoke);
    CHECK(history[i + 1].type == OpType::Info);
    CHECK(history[i].f == history[i + 1].f);
    CHECK(history[i].time_ns <= history[i + 1].time_ns);
  }
  CHECK(history[0].f == "start-partition");
  CHECK(history[1].value["fault"] == "partition-1");
  CHECK(history[2].f == "stop-partition");
  CHECK(history[4].f == "start-loss");
  CHECK(history[17].f == "heal");
  CHECK(history[6].time_ns >= 40'000'000);  // stop-loss at 40 ms
  CHECK(nem.active().empty());
}

TEST_CASE("a failed start is reported and its stop skipped; should_stop ends early and heals") {
  Rig rig;
  NemesisConfig cfg;
  cfg.journal_path = rig.dir + "/journal.jsonl";
  Nemesis nem(rig.handles, {}, cfg);
  rig.remotes[0]->answer("-I FAULTLINE", 1, "", "no iptables here");
  ScheduleSpec s;
  s.faults = {{"partition", {{"shape", "halves"}}, "all"}};
  s.interval_ms = 10;
  s.time_limit_ms = 1'000'000;  // long: ended by should_stop
  auto ops = make_schedule(s, {"n1", "n2", "n3"});
  std::vector<Op> history;
  ScheduleRunOptions o;
  o.on_op = [&](const Op& op) { history.push_back(op); };
  o.should_stop = [&] { return history.size() >= 4; };
  auto t0 = std::chrono::steady_clock::now();
  auto rep = run_schedule(nem, ops, o);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(rep.ok());
  REQUIRE(history.size() >= 4);
  CHECK(history[1].value.contains("error"));
  CHECK(history[1].value["error"].get<std::string>().find("no iptables here") != std::string::npos);
  CHECK(history[2].f == "start-partition");  // the failed start's stop was skipped
  CHECK(history.back().f == "heal");
}
