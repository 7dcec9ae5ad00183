// `faultline test` on the command line: --list, bad combinations refused with exit 254 and a
// message naming the problem (before anything is stored), a noop run's exit code and summary,
// --spec reuse, --test-count, and a stop request ending a long run early (heal, check, store still happen).
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "faultline/runner/run.h"
#include "runner_test_util.h"

using namespace faultline;
using namespace faultline::runner;
using namespace runner_test;
namespace fs = std::filesystem;

namespace {

struct Result {
  int code = -1;
  std::string out;  // stdout + stderr
};

Result run_cli(const std::string& args) {
  const std::string cmd = std::string(FAULTLINE_BINARY_DIR) + "/cli/faultline " + args + " 2>&1";
  Result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace

TEST_CASE("cli test: --list shows systems with bugs, workloads and nemeses") {
  Result r = run_cli("test --list");
  CHECK(r.code == 0);
  for (const char* s : {"raft", "paxos", "crdt", "stale-read", "no-persist", "lww-wall-clock", "register", "noop",
                        "pn-counter", "or-set", "lww-register", "partition", "kill"})
    CHECK_THAT(r.out, Catch::Contains(s));
}

TEST_CASE("cli test: bad combinations exit 254 with a clear message and store nothing") {
  TempDir d("faultline-cli-test");
  const std::string store = " --store " + (d.path / "store").string();
  struct Case {
    std::string args, message;
  } cases[] = {
      {"--system raft --workload register --local-processes --nemesis partition", "--local-processes"},
      {"--system raft --bug no-such --workload register --local-processes", "no bug 'no-such'"},
      {"--system raft --workload nope --local-processes", "unknown workload 'nope'"},
      {"--system etcdx --workload register --local-processes", "unknown system 'etcdx'"},
      {"--system none --workload register", "does not serve"},
      {"--system raft --workload register --local-processes --nemesis flood", "unknown nemesis fault 'flood'"},
      {"--system raft --workload register --local-processes --time-limit 0", "--time-limit"},
      {"--workload register --local-processes", "no --system"},
      {"--spec /nonexistent/test.json", "cannot read test spec"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    Result r = run_cli("test " + c.args + store);
    CHECK(r.code == 254);
    CHECK_THAT(r.out, Catch::Contains(c.message));
  }
  CHECK_FALSE(fs::exists(d.path / "store"));
}

TEST_CASE("cli test: a noop run exits 0, prints verdict and store path; --spec reruns it") {
  TempDir d("faultline-cli-test");
  const std::string store = (d.path / "store").string();
  Result r = run_cli("test --system none --workload noop --time-limit 0.3 --concurrency 2 --seed 4 "
                     "--no-progress --store " + store);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("none-noop: true") && Catch::Contains("stored in " + store));
  const std::string spec = store + "/none-noop/latest/test.json";
  REQUIRE(fs::exists(spec));
  Result again = run_cli("test --spec " + spec + " --name rerun --no-progress --store " + store);
  CHECK(again.code == 0);
  CHECK(fs::exists(store + "/rerun/latest/results.json"));
  TestSpec s = read_spec_file(store + "/rerun/latest/test.json");
  CHECK(s.seed == 4);
  CHECK(s.concurrency == 2);
  Result check = run_cli("check --store " + store + "/rerun/latest");
  CHECK(check.code == 0);
}

TEST_CASE("run: a stop request ends the main phase early and the run is still checked") {
  TempDir d("faultline-cli-test");
  TestSpec s = base_spec("none", "noop", d);
  s.time_limit_s = 600;
  s.concurrency = 2;
  std::atomic<bool> stop{false};
  RunOptions ro;
  ro.progress = false;
  ro.stop = &stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  RunOutcome o = run_test(s, ro);
  stopper.join();
  CHECK(o.exit_code == 0);
  CHECK(o.results["valid"] == true);
  CHECK(o.results["timings_s"]["main_phase_end"].get<double>() < 60);  // not the 600 s limit
  CHECK(o.results["stats"]["ok"].get<int64_t>() > 0);
}

TEST_CASE("cli test: --test-count N stores N runs with consecutive seeds") {
  TempDir d("faultline-cli-test");
  const std::string store = (d.path / "store").string();
  Result r = run_cli("test --system none --workload noop --time-limit 0.2 --concurrency 1 --seed 10 "
                     "--test-count 2 --no-progress --store " + store);
  CHECK(r.code == 0);
  std::vector<uint64_t> seeds;
  for (const auto& e : fs::directory_iterator(d.path / "store" / "none-noop")) {
    if (e.path().filename() == "latest") continue;
    seeds.push_back(read_spec_file((e.path() / "test.json").string()).seed);
  }
  std::sort(seeds.begin(), seeds.end());
  CHECK(seeds == std::vector<uint64_t>{10, 11});
}

TEST_CASE("cli test: a nemesis whose interval leaves no room for a fault says so on stderr") {
  // 1.5 s of load with the default 5 s interval: no fault fits; the run still goes (valid), but
  // the user is told why the nemesis did nothing, on stderr and in faultline.log.
  TempDir d("faultline-cli-test");
  const std::string store = (d.path / "store").string();
  Result r = run_cli("test --system raft --workload register --local-processes --nodes 3 "
                     "--nemesis kill --time-limit 1.5 --concurrency 2 --rate 50 --seed 5 "
                     "--no-progress --store " + store);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("no fault is scheduled; lower --nemesis-interval"));
  CHECK(count_substr(store + "/raft-register/latest/faultline.log", "no fault is scheduled") == 1);
  CHECK(count_substr(store + "/raft-register/latest/history.jsonl", "start-kill") == 0);
}
