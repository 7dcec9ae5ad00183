// Nemesis on real network namespaces: real iptables, tc, NFQUEUE (faultline-delayd), signals and
// libfaketime. Every test builds its own NetnsLab, which removes its namespaces and kills its
// processes even when a check fails. Needs root.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "faultline/nemesis/commands.h"
#include "faultline/nemesis/nemesis.h"
#include "netns_lab.h"

using namespace faultline::nemesis;
using faultline::nemesis::testing::NetnsLab;
using Clock = std::chrono::steady_clock;

namespace {

NemesisConfig lab_config(NetnsLab& lab) {
  NemesisConfig cfg;
  cfg.journal_path = lab.dir() + "/journal.jsonl";
  cfg.clock_file = lab.dir() + "/clock/{node}.faketime";
  cfg.node_state_dir = lab.dir() + "/state/{node}";
  cfg.delayd_local_path = std::string(FAULTLINE_BINARY_DIR) + "/nemesis/faultline-delayd";
  cfg.delayd_remote_path = lab.dir() + "/bin/faultline-delayd";  // absent: exercises upload
  cfg.seed = 7;
  return cfg;
}

// Checks TCP (both directions needed) and UDP (one direction) against the grudge.
void check_grudge(NetnsLab& lab, const Grudge& g, const std::string& what) {
  auto tcp = lab.tcp_matrix(1000);
  auto udp = lab.udp_matrix(500);
  for (const auto& [pair, connected] : tcp) {
    const auto& [a, b] = pair;
    INFO(what << ": " << a << " -> " << b << " grudge " << format_grudge(g));
    CHECK(connected == (delivers(g, a, b) && delivers(g, b, a)));
    CHECK(udp.at(pair) == delivers(g, a, b));
  }
}

void check_all_connected(NetnsLab& lab, const std::string& what) { check_grudge(lab, {}, what); }

Grudge grudge_of(const Json& value) {
  Grudge g;
  for (const auto& [node, from] : value.at("grudge").items())
    g[node] = from.get<std::set<std::string>>();
  return g;
}

// Nothing of ours is left on any node.
void check_clean(NetnsLab& lab, const NemesisConfig& cfg) {
  for (const auto& n : lab.names()) {
    INFO("node " << n);
    auto ipt = lab.sh(n, "iptables -w 5 -S");
    REQUIRE(ipt.ok());
    CHECK(ipt.out.find("FAULTLINE") == std::string::npos);
    auto tc = lab.sh(n, "tc qdisc show");
    REQUIRE(tc.ok());
    CHECK(tc.out.find("fa17") == std::string::npos);
    std::string dir = cfg.node_state_dir;
    dir.replace(dir.find("{node}"), 6, n);
    auto pids = lab.sh(n, "ls " + dir + "/*.pid 2>/dev/null; true");
    CHECK(pids.out.empty());
  }
}

char state_of(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  std::getline(in, s);
  auto p = s.rfind(')');
  return (p == std::string::npos || p + 2 >= s.size()) ? '?' : s[p + 2];
}

int64_t read_pid(const std::string& file) {
  std::ifstream in(file);
  int64_t pid = -1;
  in >> pid;
  return pid;
}

}  // namespace

TEST_CASE("every partition shape blocks exactly what its grudge says, then heals", "[integration]") {
  NetnsLab lab(5);
  auto cfg = lab_config(lab);
  SystemHooks hooks;
  hooks.primaries = [] { return std::vector<std::string>{"n2"}; };
  Nemesis nem(lab.handles(), hooks, cfg);
  REQUIRE(nem.setup().ok());
  check_all_connected(lab, "before");

  const std::vector<FaultSpec> shapes = {
      {"partition", {{"shape", "halves"}}, "all"},
      {"partition", {{"shape", "random-halves"}}, "all"},
      {"partition", {{"shape", "isolate"}}, "n3"},
      {"partition", {{"shape", "majority-minority"}}, "all"},
      {"partition", {{"shape", "bridge"}}, "all"},
      {"partition", {{"shape", "majorities-ring"}}, "all"},
      {"partition", {{"shape", "one-way"}, {"from", "n1"}, {"to", "n4"}}, "all"},
      {"partition", {{"shape", "primaries"}}, "all"},
      {"partition", {{"shape", "grudge"}, {"grudge", "n1:n5;n5:n1,n2"}}, "all"},
  };
  for (const auto& spec : shapes) {
    const std::string shape = spec.params.at("shape");
    auto started = nem.start(spec);
    check_grudge(lab, grudge_of(started.value), shape);
    nem.stop(started.fault_id);
    check_all_connected(lab, shape + " stopped");
  }
  // Two faults at once, healed together.
  nem.start({"partition", {{"shape", "isolate"}}, "n1"});
  nem.start({"partition", {{"shape", "one-way"}, {"from", "n2"}, {"to", "n3"}}, "all"});
  auto rep = nem.heal_all();
  INFO(rep.errors.size() << " heal errors");
  CHECK(rep.ok());
  check_all_connected(lab, "healed");
  check_clean(lab, cfg);
}

TEST_CASE("loss drops about the asked share; delay adds about the asked RTT; rate adds tbf",
          "[integration]") {
  NetnsLab lab(3);
  auto cfg = lab_config(lab);
  Nemesis nem(lab.handles(), {}, cfg);
  REQUIRE(nem.setup().ok());

  SECTION("loss") {
    const int burst = 600;
    CHECK(lab.udp_burst("n1", "n2", burst) >= burst * 95 / 100);  // baseline: ~no loss
    nem.start({"loss", {{"probability", 0.3}}, "n2"});
    const int got = lab.udp_burst("n1", "n2", burst);
    const double lost = 1.0 - static_cast<double>(got) / burst;
    INFO("lost share " << lost);
    CHECK(lost > 0.18);
    CHECK(lost < 0.42);
    CHECK(lab.udp_burst("n2", "n1", 200) >= 190);  // only n2's INPUT drops
  }
  SECTION("delay") {
    const double before = lab.tcp_connect_ms("n1", "n2", 5);
    REQUIRE(before >= 0);
    CHECK(before < 20);
    auto s = nem.start({"delay", {{"delay_ms", 80}, {"jitter_ms", 5}}, "n2"});
    const double with = lab.tcp_connect_ms("n1", "n2", 5);
    INFO("connect ms before " << before << " with delay " << with);
    CHECK(with >= 70);
    CHECK(with < 200);
    // The other direction: n2's SYN-ACK... here n2 -> n1 SYN is not delayed but the SYN-ACK
    // from n1 arrives at n2's INPUT and is.
    const double back = lab.tcp_connect_ms("n2", "n1", 3);
    CHECK(back >= 70);
    nem.stop(s.fault_id);
    const double after = lab.tcp_connect_ms("n1", "n2", 5);
    CHECK(after >= 0);
    CHECK(after < 20);
  }
  SECTION("rate") {
    nem.start({"rate", {{"rate", "1mbit"}}, "n3"});
    auto tc = lab.sh("n3", "tc qdisc show dev eth0");
    CHECK(tc.out.find("tbf fa17:") != std::string::npos);
    CHECK(tc.out.find("rate 1Mbit") != std::string::npos);
  }
  auto rep = nem.heal_all();
  CHECK(rep.ok());
  check_clean(lab, cfg);
  check_all_connected(lab, "after heal");
}

TEST_CASE("kill -9 and restart, pause as state T and resume, heal resumes", "[integration]") {
  NetnsLab lab(3);
  auto cfg = lab_config(lab);
  const std::string pid_file = lab.dir() + "/victim.pid";
  faultline::control::SpawnOptions so;
  so.pid_file = pid_file;
  so.log_file = lab.dir() + "/victim.log";
  const int64_t pid = lab.remote("n2").spawn("sleep 300", so);
  lab.track_pid(pid);
  REQUIRE(state_of(pid) == 'S');

  SystemHooks hooks;
  hooks.processes.pid_file = pid_file;
  hooks.restart_cmd = "echo $$ > " + pid_file + "; exec sleep 301";
  Nemesis nem(lab.handles(), hooks, cfg);
  REQUIRE(nem.setup().ok());

  SECTION("pause / resume") {
    auto s = nem.start({"pause", {}, "n2"});
    CHECK(s.value["pids"]["n2"] == std::to_string(pid));
    CHECK(state_of(pid) == 'T');
    nem.stop("pause");
    CHECK(state_of(pid) == 'S');
    nem.start({"pause", {}, "n2"});
    CHECK(state_of(pid) == 'T');
    CHECK(nem.heal_all().ok());  // heal resumes
    CHECK(state_of(pid) == 'S');
  }
  SECTION("kill / restart") {
    nem.start({"kill", {}, "n2"});
    // Gone, or a zombie until its parent reaps it.
    const char st = state_of(pid);
    CHECK((st == '?' || st == 'Z'));
    nem.stop("kill");
    const int64_t restarted = read_pid(pid_file);
    lab.track_pid(restarted);
    REQUIRE(restarted > 0);
    CHECK(restarted != pid);
    CHECK(state_of(restarted) == 'S');
    // Undoing again is a no-op: the process runs, so nothing is restarted twice.
    CHECK(nem.heal_all().ok());
    CHECK(read_pid(pid_file) == restarted);
  }
  CHECK_THROWS_AS(nem.start({"pause", {{"pid_file", lab.dir() + "/nope.pid"}}, "n1"}), FaultError);
  check_clean(lab, cfg);
}

TEST_CASE("a process under libfaketime reads the bumped clock; heal resets it", "[integration]") {
  NetnsLab lab(2);
  auto cfg = lab_config(lab);
  Nemesis nem(lab.handles(), {}, cfg);
  REQUIRE(nem.setup().ok());
  const std::string clock_file = lab.dir() + "/clock/n1.faketime";
  const std::string out = lab.dir() + "/clock-reading";
  std::filesystem::create_directories(lab.dir() + "/clock");
  std::ofstream(clock_file) << "+0\n";
  std::string env;
  for (const auto& [k, v] : faketime_env(cfg, "n1", false)) env += k + "=" + v + " ";
  faultline::control::SpawnOptions so;
  so.pid_file = lab.dir() + "/clockreader.pid";
  so.log_file = lab.dir() + "/clockreader.log";
  // One running perl process prints its wall clock 10 times a second (bounded: 60 s).
  // (bash's $EPOCHSECONDS bypasses libfaketime; perl's time() goes through libc.)
  const int64_t pid = lab.remote("n1").spawn(
      "env " + env + "perl -e 'for (1..600) { open(my $f, \">\", \"" + out +
          ".tmp\") or die; print $f time(), \"\\n\"; close($f); rename(\"" + out + ".tmp\", \"" +
          out + "\"); select(undef, undef, undef, 0.1); }'",
      so);
  lab.track_pid(pid);
  auto reading = [&] {
    std::ifstream in(out);
    int64_t t = 0;
    in >> t;
    return t - static_cast<int64_t>(std::time(nullptr));
  };
  auto wait_for = [&](int64_t lo, int64_t hi) {
    const auto start = Clock::now();
    int64_t d = reading();
    while ((d < lo || d > hi) && Clock::now() - start < std::chrono::seconds(3)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      d = reading();
    }
    return d;
  };
  int64_t d0 = wait_for(-2, 2);
  CHECK(std::abs(d0) <= 2);
  nem.start({"clock", {{"bump_ms", 3'600'000}}, "n1"});
  int64_t d1 = wait_for(3598, 3602);
  CHECK(d1 >= 3598);
  CHECK(d1 <= 3602);
  nem.start({"clock", {{"bump_ms", -7'200'000}}, "n1"});  // cumulative: now -1 h
  int64_t d2 = wait_for(-3602, -3598);
  CHECK(d2 <= -3598);
  CHECK(d2 >= -3602);
  CHECK(nem.heal_all().ok());
  int64_t d3 = wait_for(-2, 2);
  CHECK(std::abs(d3) <= 2);
  std::ifstream f(clock_file);
  std::string text;
  f >> text;
  CHECK(text == "+0.000");
}

TEST_CASE("SIGKILL of the control process mid-partition, then heal from the journal",
          "[integration]") {
  NetnsLab lab(3);
  auto cfg = lab_config(lab);
  std::vector<std::string> argv{std::string(FAULTLINE_BINARY_DIR) +
                                    "/tests/nemesis/nemesis_control_victim",
                                cfg.journal_path};
  for (const auto& n : lab.names()) argv.push_back(n + ":" + lab.netns(n) + ":" + lab.address(n));
  int out[2];
  REQUIRE(::pipe(out) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::dup2(out[1], 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  lab.track_pid(child);
  ::close(out[1]);
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;  // EOF if it dies: bounded
  ::close(out[0]);
  REQUIRE(line == "applied");
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));

  // The partition outlives its control process.
  Grudge halves_grudge = complete_grudge(halves(lab.names()));
  check_grudge(lab, halves_grudge, "after SIGKILL");

  // What `faultline nemesis heal` does: a fresh nemesis over the same journal.
  Nemesis fresh(lab.handles(), {}, cfg);
  CHECK(fresh.active().size() == 1);
  auto rep = fresh.heal_all();
  CHECK(rep.ok());
  CHECK(rep.steps_undone == 3);
  check_all_connected(lab, "healed");
  check_clean(lab, cfg);
  CHECK(fresh.heal_all().ok());  // idempotent
}
