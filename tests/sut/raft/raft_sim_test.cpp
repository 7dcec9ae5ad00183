// Seeded simulation of the pure Raft core: safety on every step over many seeds for the correct
// build, and every bug knob caught (by a safety check, a linearizability failure, or a
// SUT_ASSERT inside the core — knob runs happen in a forked child so an abort is observable).
// A failure prints the seed; rerun one seed with FAULTLINE_RAFT_SIM_SEED=N.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "raft_sim.h"

using namespace faultline::raft;
using namespace faultline::raft::test;

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

struct IsolatedRun {
  enum How { NotCaught, SafetyOrLinearizability, Assertion, OtherCrash } how = NotCaught;
  std::string output;
};

// Runs one simulation in a child process; its stderr (assertion text, violation) is captured.
IsolatedRun run_isolated(const SimOptions& o) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], STDERR_FILENO);
    SimReport r = run_simulation(o);
    if (!r.ok) {
      std::string line = r.violation.substr(0, 2000) + "\n";
      (void)!::write(STDERR_FILENO, line.data(), line.size());
      ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  IsolatedRun run;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) run.output.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {
    run.how = WEXITSTATUS(status) == 0 ? IsolatedRun::NotCaught
                                       : IsolatedRun::SafetyOrLinearizability;
  } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT &&
             run.output.find("SUT_ASSERT failed") != std::string::npos) {
    run.how = IsolatedRun::Assertion;
  } else {
    run.how = IsolatedRun::OtherCrash;
  }
  return run;
}

void run_seeds(int nodes, int first_seed, int count, bool async_persist = false) {
  if (int only = env_int("FAULTLINE_RAFT_SIM_SEED", 0)) {
    first_seed = only;
    count = 1;
  }
  uint64_t total_ok = 0, total_info = 0;
  for (int s = first_seed; s < first_seed + count; ++s) {
    SimOptions o;
    o.seed = static_cast<uint64_t>(s);
    o.nodes = nodes;
    o.async_persist = async_persist;
    SimReport r = run_simulation(o);
    INFO("nodes " << nodes << " seed " << s << (async_persist ? " async persist" : ""));
    if (!r.ok) FAIL(r.violation);
    CHECK(r.leaders_elected > 0);
    total_ok += r.ops_ok;
    total_info += r.ops_info;
  }
  WARN("nodes " << nodes << ": " << count << " seeds, " << total_ok << " ok ops, " << total_info
                << " info ops checked linearizable");
  CHECK(total_ok > 0);
}

// Tries seeds until the knob is caught; the knob must be caught within max_seeds.
void expect_caught(SimOptions base, int max_seeds, const char* knob) {
  for (int s = 1; s <= max_seeds; ++s) {
    base.seed = static_cast<uint64_t>(s);
    IsolatedRun run = run_isolated(base);
    REQUIRE(run.how != IsolatedRun::OtherCrash);
    if (run.how != IsolatedRun::NotCaught) {
      std::string how = run.how == IsolatedRun::Assertion ? "SUT_ASSERT" : "simulation check";
      WARN("bug " << knob << " caught at seed " << s << " by " << how << ": "
                  << run.output.substr(0, 400));
      SUCCEED();
      return;
    }
  }
  FAIL("bug " << knob << " was not caught in " << max_seeds << " seeds");
}

}  // namespace

TEST_CASE("raft simulation: 3 nodes, faults, many seeds", "[raft][sim]") {
  run_seeds(3, 1, env_int("FAULTLINE_RAFT_SIM_SEEDS", 100));
}

TEST_CASE("raft simulation: 5 nodes, faults, many seeds", "[raft][sim]") {
  run_seeds(5, 1001, env_int("FAULTLINE_RAFT_SIM_SEEDS", 100));
}

// faultline-raftd's background fsync: persistence lags, the leader counts its own copy only once
// durable, votes and acks wait for the disk, client replies do not.
TEST_CASE("raft simulation: async persist, 3 and 5 nodes, faults, many seeds", "[raft][sim]") {
  run_seeds(3, 2001, env_int("FAULTLINE_RAFT_SIM_SEEDS", 100), true);
  run_seeds(5, 3001, env_int("FAULTLINE_RAFT_SIM_SEEDS", 100), true);
}

TEST_CASE("raft simulation: no faults makes steady progress", "[raft][sim]") {
  SimOptions o;
  o.drop = o.duplicate = o.crash_per_tick = o.partition_per_tick = o.crash_before_persist = 0;
  SimReport r = run_simulation(o);
  REQUIRE(r.ok);
  CHECK(r.leaders_elected == 1);
  CHECK(r.ops_info <= static_cast<uint64_t>(o.clients));  // only ops still open at the end
  CHECK(r.ops_ok > 300);
}

TEST_CASE("raft bug knob stale-read is caught", "[raft][sim][bug]") {
  SimOptions o;
  o.stale_read = true;
  o.nodes = 5;
  o.read_to_random_node = 0.7;
  o.partition_per_tick = 0.03;
  expect_caught(o, 60, "stale-read");
}

TEST_CASE("raft bug knob early-ack is caught", "[raft][sim][bug]") {
  SimOptions o;
  o.bugs.early_ack = true;
  o.crash_per_tick = 0.03;
  o.partition_per_tick = 0.03;
  expect_caught(o, 60, "early-ack");
}

TEST_CASE("raft bug knob forget-vote is caught", "[raft][sim][bug]") {
  SimOptions o;
  o.bugs.forget_vote = true;
  o.crash_per_tick = 0.15;  // a double vote needs a voter to restart mid-election
  o.restart_per_tick = 0.8;
  expect_caught(o, 60, "forget-vote");
}
