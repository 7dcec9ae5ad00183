// Seeded simulation of the pure Raft core: safety on every step over many seeds for the correct
// build, and every bug knob proven by the violation it causes (stale-read: a read older than a
// completed acknowledged write; early-ack: two entries applied at one index; forget-vote: two
// leaders in one term) next to the correct build under the same settings and seeds, which must
// show no violation, assertion or stale read at all. Knob runs happen in a forked child so a
// SUT_ASSERT abort inside the core is observable (and is not the knob's signature).
// A failure prints the seed; rerun one seed with FAULTLINE_RAFT_SIM_SEED=N.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
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
  enum How { Clean, Violation, Assertion, OtherCrash } how = Clean;
  ViolationKind kind = ViolationKind::None;
  uint64_t stale_reads = 0;
  uint64_t ops_ok = 0;
  std::string output;  // the violation, the first stale read, or the assertion text
};

// Runs one simulation in a child process, so that a SUT_ASSERT abort inside the core is
// observable. The child reports "<kind> <stale reads> <ok ops>\n<violation>\n<first stale
// read>" on its stderr pipe.
IsolatedRun run_isolated(const SimOptions& o) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], STDERR_FILENO);
    SimReport r = run_simulation(o);
    std::string out = std::to_string(static_cast<int>(r.kind)) + " " +
                      std::to_string(r.stale_reads) + " " + std::to_string(r.ops_ok) + "\n" +
                      r.violation.substr(0, 2000) + "\n" +
                      r.stale_read_example.substr(0, 1000) + "\n";
    (void)!::write(STDERR_FILENO, out.data(), out.size());
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
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    int kind = 0;
    unsigned long long stale = 0, ok = 0;
    if (std::sscanf(run.output.c_str(), "%d %llu %llu", &kind, &stale, &ok) != 3) {
      run.how = IsolatedRun::OtherCrash;
      return run;
    }
    run.kind = static_cast<ViolationKind>(kind);
    run.stale_reads = stale;
    run.ops_ok = ok;
    run.output = run.output.substr(run.output.find('\n') + 1);
    run.how = run.kind == ViolationKind::None ? IsolatedRun::Clean : IsolatedRun::Violation;
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

// A knob's proof: the same seeds and settings, once with the knob and once without. The knob
// must show `signature` (its specific violation) on at least one seed; the correct build must
// show no violation, no assertion and no stale read on any of them, and get ops done.
struct KnobProof {
  const char* knob;
  SimOptions buggy;  // the settings, knob on
  SimOptions correct;  // the same settings, knob off
  int seeds;
  std::function<bool(const IsolatedRun&)> signature;
  const char* expected;  // what signature looks for, for the messages
};

void prove_knob(const KnobProof& p) {
  int found = 0, first = 0;
  std::string example;
  for (int s = 1; s <= p.seeds; ++s) {
    SimOptions bug = p.buggy, ok = p.correct;
    bug.seed = ok.seed = static_cast<uint64_t>(s);
    IsolatedRun b = run_isolated(bug);
    INFO(p.knob << " seed " << s << ": " << b.output.substr(0, 600));
    REQUIRE(b.how != IsolatedRun::OtherCrash);
    if (p.signature(b) && found++ == 0) {
      first = s;
      example = b.output.substr(0, 400);
    }
    IsolatedRun c = run_isolated(ok);
    INFO("correct build, same settings, seed " << s << ": " << c.output.substr(0, 600));
    CHECK(c.how == IsolatedRun::Clean);
    CHECK(c.stale_reads == 0);
    CHECK(c.ops_ok > 0);
  }
  INFO(p.knob << ": " << p.expected << " on " << found << " of " << p.seeds << " seeds");
  REQUIRE(found > 0);
  WARN(p.knob << ": " << p.expected << " on " << found << " of " << p.seeds
                << " seeds (first " << first << "): " << example
                << "; the correct build was clean on all " << p.seeds);
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

// Each bug knob is proven by its own violation, next to the correct build under the same
// settings and seeds. FAULTLINE_RAFT_KNOB_SEEDS overrides the number of seeds.
TEST_CASE("raft bug knob stale-read: stale reads, the correct build none", "[raft][sim][bug]") {
  SimOptions o;
  o.nodes = 5;
  o.read_to_random_node = 0.7;
  o.partition_per_tick = 0.03;
  KnobProof p{"stale-read", o, o, env_int("FAULTLINE_RAFT_KNOB_SEEDS", 10),
              [](const IsolatedRun& r) {
                return r.stale_reads > 0 && r.kind == ViolationKind::NonLinearizable;
              },
              "a read older than an acknowledged write completed before it"};
  p.buggy.stale_read = true;
  prove_knob(p);
}

TEST_CASE("raft bug knob early-ack: state machine safety broken, the correct build safe",
          "[raft][sim][bug]") {
  SimOptions o;
  o.crash_per_tick = 0.03;
  o.partition_per_tick = 0.03;
  KnobProof p{"early-ack", o, o, env_int("FAULTLINE_RAFT_KNOB_SEEDS", 20),
              [](const IsolatedRun& r) { return r.kind == ViolationKind::StateMachineSafety; },
              "two different entries applied at one index"};
  p.buggy.bugs.early_ack = true;
  prove_knob(p);
}

TEST_CASE("raft bug knob forget-vote: two leaders in one term, the correct build one",
          "[raft][sim][bug]") {
  SimOptions o;
  o.crash_per_tick = 0.15;  // a double vote needs a voter to restart mid-election
  o.restart_per_tick = 0.8;
  KnobProof p{"forget-vote", o, o, env_int("FAULTLINE_RAFT_KNOB_SEEDS", 20),
              [](const IsolatedRun& r) { return r.kind == ViolationKind::ElectionSafety; },
              "two leaders in one term"};
  p.buggy.bugs.forget_vote = true;
  prove_knob(p);
}
