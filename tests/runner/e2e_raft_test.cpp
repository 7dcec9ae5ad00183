// End-to-end runs of raft on a 3-node local cluster (label runner;integration; root only, each
// case skips with a message otherwise). One cluster is brought up for the whole executable and
// torn down at exit; every run is a few seconds of load with a fault every ~0.8 s:
//  - every workload the issue names (register, cas-register, set, lock, unique-names, broadcast,
//    queue, bank, counter, list-append, rw-register) under partition (random halves) + kill of
//    the leader -> valid, with both
//    fault kinds really applied (the seed is picked so the schedule holds both) and enough ok ops;
//  - SIGKILL of the control process mid-run: the history reads to its last line,
//    `check --store` re-analyses it, `faultline cluster heal` brings the killed daemon back.
// Bug knobs: e2e_knobs_test.cpp.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <faultline/control/local_cluster.h>
#include <faultline/nemesis/schedule.h>

#include "faultline/runner/run.h"
#include "faultline/runner/store.h"
#include "runner_test_util.h"

using namespace faultline;
using namespace faultline::runner;
namespace fs = std::filesystem;

using namespace runner_test;

namespace {

// The cluster shared by every case; torn down when the executable exits.
const std::string& cluster() {
  static LocalCluster c("rft");
  return c.name;
}

constexpr double kTimeLimit = 4.5;
constexpr double kInterval = 0.7;  // starts at 0.7, 2.1, 3.5 s: three faults

// The first seed from `from` whose fault schedule (random order over the kinds, as the runner
// builds it) starts every one of `kinds` at least once.
uint64_t seed_with_every_kind(const std::vector<std::string>& kinds, uint64_t from) {
  std::vector<nemesis::FaultSpec> faults;
  for (const auto& k : kinds)
    faults.push_back({.kind = parse_nemesis_entry(k).kind, .params = Json::object(), .target = "all"});
  return seed_starting_every_fault(faults, from, 1000, kInterval, kTimeLimit);
}

TestSpec raft_spec(const std::string& workload, const fs::path& store) {
  TestSpec s;
  s.system = "raft";
  s.workload = workload;
  s.nodes.mode = NodesMode::Cluster;
  s.nodes.cluster = cluster();
  s.nemesis = {"partition", "kill:primaries"};  // random halves; kill the leader
  s.nemesis_interval_s = kInterval;
  s.time_limit_s = kTimeLimit;
  s.concurrency = 4;
  s.rate = 150;
  s.store = store.string();
  return s;
}

}  // namespace

TEST_CASE("e2e raft: every workload under partition + kill is valid (root)", "[needs-root]") {
  const std::vector<std::string> workloads = {"register", "cas-register", "set",     "lock",
                                              "unique-names", "broadcast", "queue", "bank",
                                              "counter", "list-append", "rw-register"};
  for (size_t i = 0; i < workloads.size(); ++i) {
    const std::string& w = workloads[i];
    DYNAMIC_SECTION(w) {
      TempDir d("faultline-e2e-raft");
      TestSpec s = raft_spec(w, d.path / "store");
      s.seed = seed_with_every_kind(s.nemesis, 100 * (i + 1));
      RunOutcome o = run_quiet(s);
      INFO("workload " << w << ", seed " << s.seed << ", run " << o.run_dir);
      INFO(o.results.dump(2).substr(0, 6000));
      check_valid_run(o);
      // Enough work got through despite the faults, and both kinds of fault really applied.
      const bool happened = check_run_happened(s, o);
      CHECK(o.results["stats"]["ok"].get<int64_t>() >= 40);
      auto faults = fault_starts(o.run_dir);
      for (const auto& v : faults["start-kill"]) CHECK(fault_nodes(v).size() == 1);  // the leader
      for (const char* n : {"n1", "n2", "n3"})
        CHECK(fs::exists(fs::path(o.run_dir) / "nodes" / n / "raft.log"));
      // A failed run stays on disk for a look (the temp dir goes away otherwise).
      const bool good = o.results["valid"] == true && o.exit_code == 0 && o.results["errors"].empty() &&
                        o.results["recovered"] == true && o.results["stats"]["ok"].get<int64_t>() >= 40 &&
                        happened;
      if (!good) {
        const fs::path keep = fs::temp_directory_path() / ("faultline-e2e-raft-failed-" + w);
        fs::remove_all(keep);
        fs::copy(o.run_dir, keep, fs::copy_options::recursive);
        WARN("failed run kept in " << keep.string());
      }
    }
  }
}

TEST_CASE("e2e raft: SIGKILL of the control process mid-run (root)") {
  TempDir d("faultline-e2e");
    const std::string exe = std::string(FAULTLINE_BINARY_DIR) + "/cli/faultline";
  const std::string store = (d.path / "store").string();
  const std::string workload = "register";
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::string log = (d.path / "child.log").string();
    FILE* f = std::freopen(log.c_str(), "w", stdout);
    (void)f;
    ::dup2(::fileno(stdout), 2);
    ::execl(exe.c_str(), exe.c_str(), "test", "--cluster", cluster().c_str(), "--system", "raft",
            "--workload", workload.c_str(), "--nemesis", "kill", "--nemesis-interval", "2",
            "--time-limit", "60", "--concurrency", "3", "--rate", "100", "--store", store.c_str(),
            "--name", "killed", "--no-progress", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait (bounded) until a kill fault is in effect, then SIGKILL the control process.
  const std::string hist = store + "/killed/latest/history.jsonl";
  bool fault_active = false;
  for (int i = 0; i < 1500 && !fault_active; ++i) {  // <= 30 s
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    fault_active = fs::exists(hist) && count_substr(hist, "\"f\":\"start-kill\"") >= 2 &&
                   count_substr(hist, "\"type\":\"info\",\"value\":{\"effect\"") >= 1;
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(fault_active);
  // The history reads to its last line (every line is complete JSON: flushed per op).
  std::ifstream in(hist);
  std::string line, last;
  int64_t lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    last = line;
    REQUIRE_NOTHROW(Json::parse(line));
  }
  CHECK(lines > 2);
  CHECK_FALSE(fs::exists(store + "/killed/latest/results.json"));
  // `faultline check --store` re-analyses it.
  const std::string check = exe + " check --store " + store + "/killed/latest > /dev/null 2>&1";
  CHECK(std::system(check.c_str()) == 0);
  Json res = read_json_file(store + "/killed/latest/results.json");
  CHECK(res["valid"] == true);
  CHECK(res["reanalysed"] == true);
  // `faultline cluster heal` undoes the kill from the journal: the daemon runs again.
  const std::string heal = exe + " cluster heal --name " + cluster() + " > /dev/null 2>&1";
  CHECK(std::system(heal.c_str()) == 0);
  control::Cluster c = control::open_local_cluster(cluster());
  for (const auto& n : c.node_names()) {
    auto r = c.remote(n).exec(
        "p=$(cat /var/lib/faultline/raft.pid) && [ -d /proc/$p ] && grep -q faultline-raftd /proc/$p/cmdline");
    CHECK(r.ok());
  }
}
