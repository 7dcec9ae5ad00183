// Nemesis against FakeRemotes: the exact commands each fault runs, journal-before-apply, stop,
// heal idempotence, heal from the journal of a "crashed" nemesis, errors collected not thrown.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <unistd.h>

#include "fake_remote.h"
#include "faultline/nemesis/commands.h"
#include "faultline/nemesis/nemesis.h"

using namespace faultline::nemesis;
using faultline::nemesis::testing::FakeRemote;

namespace {

struct Rig {
  std::string dir;
  std::vector<std::unique_ptr<FakeRemote>> remotes;
  std::vector<NodeHandle> handles;
  NemesisConfig cfg;

  explicit Rig(int n) {
    dir = std::filesystem::temp_directory_path() /
          ("fl-nemesis-unit-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(dir);
    for (int i = 1; i <= n; ++i) {
      remotes.push_back(std::make_unique<FakeRemote>("n" + std::to_string(i)));
      handles.push_back({"n" + std::to_string(i), "10.9.0." + std::to_string(10 + i),
                         remotes.back().get()});
    }
    cfg.journal_path = dir + "/journal.jsonl";
    cfg.seed = 42;
  }
  ~Rig() { std::filesystem::remove_all(dir); }
  FakeRemote& r(int i) { return *remotes.at(i - 1); }
  void clear() {
    for (auto& r : remotes) r->commands.clear();
  }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

std::string drop(const std::string& ip) {
  return "iptables -w 5 -I FAULTLINE 1 -s " + ip + " -j DROP";
}

}  // namespace

TEST_CASE("partition halves: exact iptables rules on exactly the grudging nodes") {
  Rig rig(3);
  Nemesis nem(rig.handles, {}, rig.cfg);
  auto started = nem.start({"partition", {{"shape", "halves"}}, "all"});
  CHECK(started.fault_id == "partition-1");
  CHECK(started.value["grudge"]["n1"] == Json::array({"n2", "n3"}));
  // n1 drops n2 and n3; n2 and n3 drop n1; one command per node.
  REQUIRE(rig.r(1).commands.size() == 1);
  REQUIRE(rig.r(2).commands.size() == 1);
  REQUIRE(rig.r(3).commands.size() == 1);
  const std::string head = "{ " + cmd::ensure_chain() + "; }";
  CHECK(rig.r(1).commands[0] == head + " && " + drop("10.9.0.12") + " && " + drop("10.9.0.13"));
  CHECK(rig.r(2).commands[0] == head + " && " + drop("10.9.0.11"));
  CHECK(rig.r(3).commands[0] == head + " && " + drop("10.9.0.11"));
  CHECK(cmd::ensure_chain() ==
        "iptables -w 5 -N FAULTLINE 2>/dev/null; iptables -w 5 -C INPUT -j FAULTLINE "
        "2>/dev/null || iptables -w 5 -I INPUT 1 -j FAULTLINE");

  rig.clear();
  CHECK(nem.stop("partition") == std::vector<std::string>{"partition-1"});
  REQUIRE(rig.r(1).commands.size() == 1);
  CHECK(rig.r(1).commands[0] ==
        "true; iptables -w 5 -C FAULTLINE -s 10.9.0.12 -j DROP 2>/dev/null && iptables -w 5 -D "
        "FAULTLINE -s 10.9.0.12 -j DROP; iptables -w 5 -C FAULTLINE -s 10.9.0.13 -j DROP "
        "2>/dev/null && iptables -w 5 -D FAULTLINE -s 10.9.0.13 -j DROP; true");
  CHECK(nem.active().empty());
  CHECK_THROWS_AS(nem.stop("partition"), std::invalid_argument);
}

TEST_CASE("every step is journaled before its command runs") {
  Rig rig(3);
  Nemesis nem(rig.handles, {}, rig.cfg);
  int checked = 0;
  for (int i = 1; i <= 3; ++i) {
    std::string node = "n" + std::to_string(i);
    rig.r(i).on_exec = [&, node](const std::string& c) {
      if (c.find("-j DROP") == std::string::npos || c.find("-I FAULTLINE") == std::string::npos)
        return;
      bool found = false;
      for (const auto& s : nem.journal().outstanding())
        if (s.node == node && s.kind == "partition") found = true;
      CHECK(found);
      ++checked;
    };
  }
  nem.start({"partition", {{"shape", "isolate"}}, "n2"});
  CHECK(checked == 3);  // n2 drops n1,n3; n1 and n3 drop n2
}

TEST_CASE("each fault's commands") {
  Rig rig(3);
  SystemHooks hooks;
  hooks.processes.name = "faultline-raftd";
  hooks.restart_cmd = "faultline-raftd --data /var/lib/raft";
  rig.cfg.delayd_local_path = "/bin/true";  // any existing file: "uploaded" when missing
  Nemesis nem(rig.handles, hooks, rig.cfg);

  SECTION("loss: statistic DROP from every peer on each target") {
    nem.start({"loss", {{"probability", 0.25}}, "n1"});
    REQUIRE(rig.r(1).commands.size() == 1);
    CHECK(rig.r(1).commands[0].find("iptables -w 5 -I FAULTLINE 1 -s 10.9.0.12 -m statistic "
                                    "--mode random --probability 0.2500 -j DROP") !=
          std::string::npos);
    CHECK(rig.r(1).commands[0].find("-s 10.9.0.13 -m statistic") != std::string::npos);
    CHECK(rig.r(2).commands.empty());
    CHECK_THROWS_AS(nem.start({"loss", {{"probability", 1.5}}, "n1"}), std::invalid_argument);
  }
  SECTION("rate: tbf on the device routing to peers") {
    rig.r(2).answer("ip -o route get", 0, "eth0\n");
    nem.start({"rate", {{"rate", "2mbit"}}, "n2"});
    REQUIRE(rig.r(2).commands.size() == 2);
    CHECK(rig.r(2).commands[1] ==
          "tc qdisc replace dev eth0 root handle fa17: tbf rate 2mbit burst 32kbit latency 400ms");
    rig.clear();
    nem.stop("rate");
    CHECK(rig.r(2).commands.at(0) ==
          "if tc qdisc show dev eth0 2>/dev/null | grep -q 'qdisc tbf fa17: root'; then tc qdisc "
          "del dev eth0 root; fi");
  }
  SECTION("pause: SIGSTOP verified, SIGCONT on stop") {
    rig.r(3).answer("kill -STOP", 0, "123 124\n");
    auto s = nem.start({"pause", {}, "n3"});
    CHECK(s.value["pids"]["n3"] == "123 124");
    REQUIRE(rig.r(3).commands.size() == 1);
    CHECK(rig.r(3).commands[0].find("pids=$({ pgrep -x faultline-raftd; }") != std::string::npos);
    CHECK(rig.r(3).commands[0].find("kill -STOP $pids") != std::string::npos);
    rig.clear();
    nem.stop("pause-1");
    CHECK(rig.r(3).commands.at(0).find("kill -CONT $pids") != std::string::npos);
  }
  SECTION("kill: SIGKILL, then restart only when nothing runs") {
    rig.r(1).answer("kill -9", 0, "77\n");
    nem.start({"kill", {}, "n1"});
    CHECK(rig.r(1).commands.at(0).find("kill -9 $pids") != std::string::npos);
    rig.clear();
    rig.r(1).script.clear();
    nem.stop("kill");
    // select (empty -> not running), restart in the background, wait for it to come up.
    REQUIRE(rig.r(1).commands.size() == 3);
    CHECK(rig.r(1).commands[1].find("setsid sh -c 'faultline-raftd --data /var/lib/raft'") !=
          std::string::npos);
  }
  SECTION("clock: bump adds to the current offset") {
    rig.r(1).answer("cat /var/lib/faultline/clock/n1.faketime", 0, "+1.500\n");
    nem.start({"clock", {{"bump_ms", -2000}}, "n1"});
    REQUIRE(rig.r(1).commands.size() == 2);
    CHECK(rig.r(1).commands[1] ==
          "mkdir -p \"$(dirname /var/lib/faultline/clock/n1.faketime)\" && printf '%s\\n' "
          "-0.500 > /var/lib/faultline/clock/n1.faketime.tmp && mv -f "
          "/var/lib/faultline/clock/n1.faketime.tmp /var/lib/faultline/clock/n1.faketime");
    CHECK(cmd::faketime_offset(5250) == "+5.250");
    CHECK(cmd::faketime_offset(-30) == "-0.030");
    CHECK_THROWS_AS(nem.start({"clock", {}, "n1"}), std::invalid_argument);
  }
  SECTION("delay: upload delayd when missing, start it, then NFQUEUE rules appended") {
    nem.start({"delay", {{"delay_ms", 40}, {"jitter_ms", 5}}, "n2"});
    REQUIRE(rig.r(2).uploads.size() == 1);
    CHECK(rig.r(2).uploads[0].second == rig.cfg.delayd_remote_path);
    auto starts = rig.r(2).matching("--delay-ms 40 --jitter-ms 5");
    REQUIRE(starts.size() == 1);
    CHECK(starts[0].find("--queue 7001") != std::string::npos);
    auto rules = rig.r(2).matching("-j NFQUEUE");
    REQUIRE(rules.size() == 1);
    CHECK(rules[0].find("iptables -w 5 -A FAULTLINE -s 10.9.0.11 -j NFQUEUE --queue-num 7001 "
                        "--queue-bypass") != std::string::npos);
    rig.clear();
    nem.stop("delay");
    CHECK(rig.r(2).commands.at(0).find("faultline-delayd.q7001.pid") != std::string::npos);
  }
}

TEST_CASE("heal_all is idempotent and sweeps every node") {
  Rig rig(3);
  Nemesis nem(rig.handles, {}, rig.cfg);
  nem.start({"partition", {{"shape", "halves"}}, "all"});
  nem.start({"loss", {{"probability", 0.5}}, "n3"});
  rig.clear();
  auto rep = nem.heal_all();
  CHECK(rep.ok());
  CHECK(rep.steps_undone == 4);  // 3 partition steps + 1 loss step
  for (int i = 1; i <= 3; ++i) {
    CHECK(rig.r(i).matching("-X FAULTLINE").size() == 1);  // sweep
    CHECK(rig.r(i).matching("left behind").size() == 1);   // verify
  }
  CHECK(nem.active().empty());
  CHECK(nem.journal().outstanding().empty());
  rig.clear();
  auto again = nem.heal_all();
  CHECK(again.ok());
  CHECK(again.steps_undone == 0);
  CHECK(rig.r(1).commands.size() == 2);  // sweep + verify only
}

TEST_CASE("a new nemesis heals what a crashed one journaled") {
  Rig rig(3);
  {
    Nemesis crashed(rig.handles, {}, rig.cfg);
    crashed.start({"partition", {{"shape", "isolate"}}, "n1"});
    crashed.start({"clock", {{"bump_ms", 5000}}, "n2"});
    // destroyed without heal: as after SIGKILL
  }
  rig.clear();
  Nemesis fresh(rig.handles, {}, rig.cfg);
  CHECK(fresh.active().size() == 2);
  auto rep = fresh.setup();
  CHECK(rep.ok());
  CHECK(rep.steps_undone == 4);  // 3 partition steps + the clock step
  CHECK(rig.r(1).matching("-D FAULTLINE -s 10.9.0.12 -j DROP").size() == 1);
  CHECK(rig.r(2).matching("/var/lib/faultline/clock/n2.faketime").size() >= 1);
  CHECK(fresh.active().empty());
  // Ids keep counting across runs.
  CHECK(fresh.start({"partition", {}, "all"}).fault_id == "partition-3");
}

TEST_CASE("heal never throws: errors are collected and the journal keeps the steps") {
  Rig rig(3);
  Nemesis nem(rig.handles, {}, rig.cfg);
  nem.start({"partition", {{"shape", "halves"}}, "all"});
  rig.r(2).unreachable = true;
  auto rep = nem.heal_all();
  CHECK_FALSE(rep.ok());
  CHECK(rep.errors.size() == 2);  // n2's undo and n2's sweep
  CHECK(rep.errors[0].find("n2") != std::string::npos);
  CHECK(nem.journal().outstanding().size() == 1);  // n2's step is still owed
  rig.r(2).unreachable = false;
  auto rep2 = nem.heal_all();
  CHECK(rep2.ok());
  CHECK(rep2.steps_undone == 1);
}

TEST_CASE("a failing start undoes what it applied and reports the node and command") {
  Rig rig(3);
  Nemesis nem(rig.handles, {}, rig.cfg);
  rig.r(3).answer("-I FAULTLINE", 1, "", "iptables: Permission denied");
  try {
    nem.start({"partition", {{"shape", "halves"}}, "all"});
    FAIL("start should throw");
  } catch (const FaultError& e) {
    CHECK(e.node() == "n3");
    CHECK(std::string(e.what()).find("Permission denied") != std::string::npos);
  }
  auto undone = rig.r(1).matching("-D FAULTLINE");  // n1's two rules undone
  REQUIRE(undone.size() == 1);
  CHECK(undone[0].find("-D FAULTLINE -s 10.9.0.12 -j DROP") != std::string::npos);
  CHECK(undone[0].find("-D FAULTLINE -s 10.9.0.13 -j DROP") != std::string::npos);
  CHECK(nem.active().empty());
}

TEST_CASE("journal: torn tail ignored, corrupt middle reported with line") {
  Rig rig(1);
  Journal j(rig.cfg.journal_path);
  j.append({{"event", "start"}, {"fault", "loss-1"}, {"kind", "loss"}});
  {
    std::ofstream out(rig.cfg.journal_path, std::ios::app);
    out << "{\"event\":\"app";  // crash mid-write
  }
  CHECK(j.read_all().size() == 1);
  CHECK(j.next_fault_id("loss") == "loss-2");
  {
    std::ofstream out(rig.cfg.journal_path, std::ios::app);
    out << "\n{\"event\":\"healed\"}\n";
  }
  try {
    j.read_all();
    FAIL("corrupt line not reported");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("journal.jsonl:2") != std::string::npos);
  }
}

TEST_CASE("bad specs are refused before anything is journaled") {
  Rig rig(3);
  Nemesis nem(rig.handles, {}, rig.cfg);
  CHECK_THROWS_AS(nem.start({"meteor", {}, "all"}), std::invalid_argument);
  CHECK_THROWS_AS(nem.start({"loss", {}, "n1,,n2"}), std::invalid_argument);
  CHECK_THROWS_AS(nem.start({"partition", {{"shape", "hexagon"}}, "all"}), std::invalid_argument);
  CHECK_THROWS_AS(nem.start({"pause", {}, "n1"}), std::invalid_argument);  // no processes named
  for (int i = 1; i <= 3; ++i) CHECK(rig.r(i).commands.empty());
}

TEST_CASE("process selectors never match the shell running them") {
  ProcessSelector by_pattern;
  by_pattern.pattern = "raftd --port 7";
  CHECK(cmd::select_pids(by_pattern).rfind("{ pgrep -f '[r]aftd --port 7' | grep -vx \"$$\"; }", 0) == 0);
  ProcessSelector two;
  two.name = "a";
  two.pid_file = "/x";
  CHECK_THROWS_AS(cmd::select_pids(two), std::invalid_argument);
}
