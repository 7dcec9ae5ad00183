// `faultline nemesis` and `faultline cluster heal` on a real local cluster (`faultline cluster
// up`: node containers with sshd, reached over SSH from the control namespace). Probes run from
// inside the cluster's node namespaces. The cluster is taken down even when a check fails.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "faultline/control/local_cluster.h"
#include "faultline/nemesis/grudge.h"
#include "netns_lab.h"

using namespace faultline::nemesis;
using faultline::nemesis::testing::LabNode;
using faultline::nemesis::testing::NetnsLab;
using faultline::nemesis::testing::run_local;

namespace {

const std::string kFaultline = std::string(FAULTLINE_BINARY_DIR) + "/cli/faultline";

faultline::control::ExecResult faultline_cli(std::vector<std::string> args, int64_t timeout_ms = 30'000) {
  args.insert(args.begin(), kFaultline);
  return run_local(args, timeout_ms);
}

struct ClusterGuard {
  std::string name;
  ~ClusterGuard() {
    try {
      faultline_cli({"cluster", "down", "--name", name});
    } catch (...) {
    }
  }
};

// Starts `faultline args...`, returns its pid once it printed a line starting with `prefix`
// (or -1 if it exited first).
pid_t start_until_line(const std::vector<std::string>& args, const std::string& prefix,
                       std::string& line) {
  int out[2];
  if (::pipe(out) != 0) return -1;
  pid_t child = ::fork();
  if (child == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    std::vector<std::string> argv{kFaultline};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    ::execv(a[0], a.data());
    ::_exit(127);
  }
  ::close(out[1]);
  char c;
  while (true) {
    line.clear();
    bool eof = true;
    while (::read(out[0], &c, 1) == 1) {
      eof = false;
      if (c == '\n') break;
      line += c;
    }
    if (line.rfind(prefix, 0) == 0) break;
    if (eof) {
      ::close(out[0]);
      ::waitpid(child, nullptr, 0);
      return -1;
    }
  }
  ::close(out[0]);
  return child;
}

void check_grudge(NetnsLab& lab, const Grudge& g, const std::string& what) {
  auto tcp = lab.tcp_matrix(1000);
  auto udp = lab.udp_matrix(500);
  for (const auto& [pair, connected] : tcp) {
    INFO(what << ": " << pair.first << " -> " << pair.second);
    CHECK(connected == (delivers(g, pair.first, pair.second) && delivers(g, pair.second, pair.first)));
    CHECK(udp.at(pair) == delivers(g, pair.first, pair.second));
  }
}

void check_no_rules(NetnsLab& lab) {
  for (const auto& n : lab.names()) {
    auto r = lab.sh(n, "iptables -w 5 -S; tc qdisc show");
    REQUIRE(r.ok());
    CHECK(r.out.find("FAULTLINE") == std::string::npos);
    CHECK(r.out.find("fa17") == std::string::npos);
  }
}

std::string node_exec(const std::string& cluster, const std::string& node, const std::string& cmd) {
  auto r = faultline_cli({"cluster", "exec", "--name", cluster, node, "--", "sh", "-c", cmd});
  INFO("exec on " << node << ": " << cmd << " -> " << r.err);
  REQUIRE(r.ok());
  return r.out.substr(0, r.out.find_last_not_of("\r\n") + 1);
}

}  // namespace

TEST_CASE("nemesis CLI on a local cluster: faults over SSH, SIGKILL mid-partition, cluster heal",
          "[integration]") {
  // Take down clusters a killed earlier run of this test left ("nm<pid>", pid gone).
  for (const auto& old : faultline::control::list_local_clusters())
    if (old.size() > 2 && old.rfind("nm", 0) == 0 &&
        old.find_first_not_of("0123456789", 2) == std::string::npos &&
        !std::filesystem::exists("/proc/" + old.substr(2)))
      faultline_cli({"cluster", "down", "--name", old});
  const std::string name = "nm" + std::to_string(::getpid());
  ClusterGuard guard{name};
  auto up = faultline_cli({"cluster", "up", "--name", name, "--nodes", "3"}, 60'000);
  INFO(up.out << up.err);
  REQUIRE(up.ok());
  auto info = faultline::control::read_local_cluster(name);
  std::vector<LabNode> nodes;
  for (const auto& n : info.nodes) nodes.push_back({n.name, n.netns, n.address});
  NetnsLab lab(nodes);
  check_grudge(lab, {}, "fresh cluster");

  // A control process holding a partition is killed with SIGKILL: the partition stays...
  std::string line;
  pid_t child = start_until_line({"nemesis", "--cluster", name, "start", "partition", "--shape",
                                  "halves", "--hold-ms", "60000"},
                                 "started", line);
  REQUIRE(child > 0);
  lab.track_pid(child);
  CHECK(line.find("partition-1") != std::string::npos);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));
  check_grudge(lab, complete_grudge(halves(lab.names())), "after SIGKILL");
  auto st = faultline_cli({"cluster", "status", "--name", name});
  CHECK(st.out.find("partition-1") != std::string::npos);
  // ...and `faultline cluster heal` removes it, from the journal alone.
  auto heal = faultline_cli({"cluster", "heal", "--name", name});
  INFO(heal.out << heal.err);
  CHECK(heal.ok());
  check_grudge(lab, {}, "after cluster heal");
  check_no_rules(lab);

  // SIGTERM of a holding control process heals before it exits.
  child = start_until_line({"nemesis", "--cluster", name, "start", "loss", "--probability", "1",
                            "--target", "n2", "--hold-ms", "60000"},
                           "started", line);
  REQUIRE(child > 0);
  lab.track_pid(child);
  CHECK(!lab.udp_matrix(300).at({"n1", "n2"}));
  ::kill(child, SIGTERM);
  ::waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + SIGTERM);
  check_grudge(lab, {}, "after SIGTERM");
  check_no_rules(lab);

  // Pause and kill a process inside a node (its own PID namespace), by name.
  const std::string pid = node_exec(name, "n1", "setsid sleep 307 > /dev/null 2>&1 < /dev/null & echo $!");
  CHECK(faultline_cli({"nemesis", "--cluster", name, "start", "pause", "--process", "sleep",
                       "--target", "n1"}).ok());
  CHECK(node_exec(name, "n1", "ps -o stat= -p " + pid).substr(0, 1) == "T");
  CHECK(faultline_cli({"nemesis", "--cluster", name, "stop", "pause"}).ok());
  CHECK(node_exec(name, "n1", "ps -o stat= -p " + pid).substr(0, 1) == "S");
  CHECK(faultline_cli({"nemesis", "--cluster", name, "start", "kill", "--process", "sleep",
                       "--restart-cmd", "exec sleep 308", "--target", "n1"}).ok());
  CHECK(node_exec(name, "n1", "pgrep -x sleep || true").empty());
  CHECK(faultline_cli({"nemesis", "--cluster", name, "stop", "kill"}).ok());
  CHECK(node_exec(name, "n1", "pgrep -a -x sleep").find("sleep 308") != std::string::npos);

  // Clock: a process started under libfaketime on n3 reads the bumped clock.
  CHECK(faultline_cli({"nemesis", "--cluster", name, "start", "clock", "--bump-ms", "7200000",
                       "--target", "n3"}).ok());
  const std::string t = node_exec(
      name, "n3",
      "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 "
      "FAKETIME_TIMESTAMP_FILE=/var/lib/faultline/clock/n3.faketime FAKETIME_NO_CACHE=1 "
      "FAKETIME_DONT_FAKE_MONOTONIC=1 date +%s");
  const long skew = std::stol(t) - static_cast<long>(std::time(nullptr));
  CHECK(skew >= 7198);
  CHECK(skew <= 7202);

  // Delay over the cluster: delayd is uploaded over SFTP and started on n2.
  const double before = lab.tcp_connect_ms("n1", "n2", 3);
  CHECK(faultline_cli({"nemesis", "--cluster", name, "start", "delay", "--delay-ms", "60",
                       "--target", "n2"}).ok());
  const double with = lab.tcp_connect_ms("n1", "n2", 3);
  INFO("connect ms " << before << " -> " << with);
  CHECK(with >= 50);
  CHECK(with < 200);

  auto heal2 = faultline_cli({"nemesis", "--cluster", name, "heal"});
  INFO(heal2.out << heal2.err);
  CHECK(heal2.ok());
  CHECK(lab.tcp_connect_ms("n1", "n2", 3) < 20);
  check_no_rules(lab);
  CHECK(node_exec(name, "n3", "cat /var/lib/faultline/clock/n3.faketime") == "+0.000");
  CHECK(node_exec(name, "n2", "pgrep -x faultline-delayd || true").empty());
  node_exec(name, "n1", "pkill -x sleep || true");

  // A seeded schedule played by `nemesis run`: history ops as JSON lines, healed at the end.
  auto run = faultline_cli({"nemesis", "--cluster", name, "--seed", "5", "run", "--faults",
                            "partition,loss", "--order", "fixed", "--interval-ms", "300",
                            "--time-limit-ms", "1300"});
  INFO(run.out << run.err);
  CHECK(run.ok());
  CHECK(run.out.find("\"f\":\"start-partition\"") != std::string::npos);
  CHECK(run.out.find("\"f\":\"stop-loss\"") != std::string::npos);
  CHECK(run.out.find("\"f\":\"heal\"") != std::string::npos);
  CHECK(run.out.find("\"process\":\"nemesis\"") != std::string::npos);
  check_grudge(lab, {}, "after nemesis run");
  check_no_rules(lab);
  auto again = faultline_cli({"nemesis", "--cluster", name, "heal"});
  CHECK(again.ok());  // idempotent
  CHECK(again.out.find("undid 0") != std::string::npos);
}
