// End-to-end runs of `faultline test` against the Multi-Paxos daemon on a local cluster (label
// runner;integration; root only). Each run is a few seconds of load on 3 nodes:
//  - paxos under partition + kill, for register, cas-register, set, lock, unique-names,
//    broadcast and queue: valid, both fault kinds really applied (check_run_happened), and
//    enough ops succeeded that the verdict means something. One cluster serves every run (each
//    run's setup wipes the node's data).
// Broadcast and queue runs also check the final phase began after every main-phase op ended.
// The bug knobs are in e2e_knobs_test.cpp / e2e_knobs_local_test.cpp; paxos on local processes
// (no root) in e2e_test.cpp.
// Seeds for the valid runs are picked with nemesis::make_schedule (pure) so that the plan holds a
// partition and a kill; the history is then checked for both.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <faultline/control/local_cluster.h>
#include <faultline/nemesis/schedule.h>

#include "faultline/runner/run.h"
#include "runner_test_util.h"

using namespace faultline;
using namespace faultline::runner;
namespace fs = std::filesystem;

using namespace runner_test;

namespace {

// The first seed >= from whose fault plan (as the runner makes it: default faults, random order)
// starts both a partition and a kill.
uint64_t seed_with_both_faults(uint64_t from, double interval_s, double time_limit_s) {
  std::vector<nemesis::FaultSpec> faults;
  for (const char* k : {"partition", "kill"}) {
    nemesis::FaultSpec f;
    f.kind = k;
    // As runner/src/run.cpp default_fault() makes them (target draws may share the RNG).
    f.target = f.kind == "partition" ? "all" : "minority";
    if (f.kind == "partition") f.params = {{"shape", "random-halves"}};
    faults.push_back(f);
  }
  return seed_starting_every_fault(faults, from, 100, interval_s, time_limit_s);
}

TestSpec paxos_spec(const std::string& cluster, const std::string& store) {
  TestSpec s;
  s.system = "paxos";
  s.nodes.mode = NodesMode::Cluster;
  s.nodes.cluster = cluster;
  s.nemesis_interval_s = 0.8;
  s.time_limit_s = 5;
  s.concurrency = 4;
  s.rate = 100;
  s.store = store;
  return s;
}

}  // namespace

TEST_CASE("e2e paxos: local cluster under partition and kill is valid for every workload (root)",
          "[needs-root]") {
  TempDir d("faultline-e2e-paxos");
  LocalCluster g("pxe");
  uint64_t seed = 1;
  for (const char* workload :
       {"register", "cas-register", "set", "lock", "unique-names", "broadcast", "queue"}) {
    TestSpec s = paxos_spec(g.name, (d.path / "store").string());
    s.workload = workload;
    s.nemesis = {"partition", "kill"};
    s.seed = seed = seed_with_both_faults(seed, s.nemesis_interval_s, s.time_limit_s);
    ++seed;
    RunOutcome o = run_quiet(s);
    INFO("workload " << workload << ", seed " << s.seed << ", run " << o.run_dir << "\n"
                     << o.results.dump(2).substr(0, 6000));
    check_valid_run(o);
    // Faults of both kinds really applied, and the clients got real work done.
    check_run_happened(s, o);
    CHECK(o.results["stats"]["ok"].get<int64_t>() >= 30);  // lock: most acquires fail (held)
    for (const char* n : {"n1", "n2", "n3"})
      CHECK(fs::exists(fs::path(o.run_dir) / "nodes" / n / "paxos.log"));
    if (s.workload == "broadcast") check_final_after_main(o.run_dir, "final-read");
    if (s.workload == "queue") check_final_after_main(o.run_dir, "drain");
  }
}

