// faultline-crdtd end to end on a 3-node local cluster (root: network partitions): every CRDT
// workload valid under partition + kill + clock skew, on a seed whose fault plan starts all
// three, with ok ops and every fault kind applied. The or-set run is the "replicas partitioned
// and healed converge, with every acknowledged add present" check on real processes: its
// checker's lost-add rule is part of the verdict, and the test also counts the acknowledged
// adds and finds each in every node's final read.
#include <catch2/catch.hpp>

#include <set>

#include "crdt_e2e_util.h"
#include "faultline/runner/run.h"

using namespace faultline;
using namespace faultline::runner;
using namespace runner_test;

TEST_CASE("e2e crdt: local cluster under partition, kill and clock is valid for every workload (root)") {
  TempDir d("faultline-e2e-crdt");
  LocalCluster g("crd");
  uint64_t seed = 1;
  for (const char* workload : {"or-set", "pn-counter", "lww-register"}) {
    TestSpec s = cluster_spec("crdt", workload, g.name, d);
    s.nemesis = {"partition", "kill", "clock"};
    s.time_limit_s = 6;
    s.nemesis_interval_s = 0.8;
    s.concurrency = 6;
    s.rate = 300;
    s.seed = seed = seed_starting_every_fault(crdt_faults(s.nemesis), seed, 100, 0.8, 6);
    ++seed;
    RunOutcome o = run_quiet(s);
    INFO("workload " << workload << ", seed " << s.seed << ", run " << o.run_dir << "\n"
                     << o.results.dump(2).substr(0, 4000));
    check_valid_run(o);
    check_run_happened(s, o);
    if (std::string(workload) != "or-set") continue;
    // Every acknowledged add whose element no remove touched is in every final read.
    std::set<Json> acked, removed;
    std::map<int64_t, Json> open_add;
    std::vector<Json> finals;
    for (const Json& op : read_lines(o.run_dir + "/history.jsonl")) {
      if (op["process"] == "nemesis") continue;
      const int64_t p = op["process"].get<int64_t>();
      if (op["f"] == "add" && op["type"] == "invoke") open_add[p] = op["value"];
      if (op["f"] == "add" && op["type"] == "ok") acked.insert(open_add[p]);
      if (op["f"] == "remove" && op["type"] != "invoke" && op["value"].is_object())
        removed.insert(op["value"]["element"]);
      if (op["f"] == "final-read" && op["type"] == "ok") finals.push_back(op["value"]);
    }
    CHECK(acked.size() > 10);
    CHECK(finals.size() == 6);
    for (const Json& f : finals) {
      const std::set<Json> in(f.begin(), f.end());
      for (const Json& e : acked) {
        INFO("element " << e.dump());
        CHECK((in.count(e) || removed.count(e)));
      }
    }
  }
}
