// TestSpec: JSON round trip, flags-equivalent defaults, and validation of bad combinations.
#include <catch2/catch.hpp>

#include <algorithm>

#include <faultline/workloads/workload.h>

#include "faultline/runner/spec.h"
#include "faultline/runner/system.h"

using namespace faultline;
using namespace faultline::runner;

namespace {
TestSpec base() {
  TestSpec s;
  s.system = "raft";
  s.workload = "noop";
  s.nodes.mode = NodesMode::LocalProcesses;
  s.nodes.count = 3;
  return s;
}
}  // namespace

TEST_CASE("spec: JSON round trip keeps every member") {
  TestSpec s = base();
  s.bug = "stale-read";
  s.nemesis = {"kill", "pause"};
  s.nemesis_interval_s = 1.5;
  s.time_limit_s = 7;
  s.concurrency = 4;
  s.rate = 150;
  s.arrival = "poisson";
  s.seed = 99;
  s.test_count = 2;
  s.leave_running = true;
  s.store = "/tmp/x";
  s.workload_params = {{"key_count", 3}};
  TestSpec t = spec_from_json(spec_to_json(s));
  CHECK(spec_to_json(t) == spec_to_json(s));
  CHECK(t.bug == "stale-read");
  CHECK(t.nemesis == std::vector<std::string>{"kill", "pause"});
  CHECK(t.nodes.mode == NodesMode::LocalProcesses);
  CHECK(t.nodes.count == 3);
  CHECK(t.seed == 99);
  CHECK(t.name == "raft-stale-read-noop");  // the default name is stored
}

TEST_CASE("spec: nemesis as a comma string, hosts mode, unknown members rejected") {
  Json j = {{"system", "raft"}, {"workload", "noop"}, {"nemesis", "partition,kill"},
            {"nodes", {{"mode", "hosts"}, {"nodes_file", "nodes.txt"}, {"ssh_user", "admin"}}}};
  TestSpec s = spec_from_json(j);
  CHECK(s.nemesis == std::vector<std::string>{"partition", "kill"});
  CHECK(s.nodes.mode == NodesMode::Hosts);
  CHECK(s.nodes.nodes_file == "nodes.txt");
  CHECK(s.nodes.ssh_user == "admin");
  j["colour"] = "blue";
  CHECK_THROWS_WITH(spec_from_json(j), Catch::Contains("unknown member \"colour\""));
  CHECK_THROWS_AS(spec_from_json(Json{{"nodes", {{"mode", "cloud"}}}}), SpecError);
  CHECK_THROWS_AS(spec_from_json(Json{{"concurrency", "many"}}), SpecError);
}

TEST_CASE("spec: validation accepts good specs") {
  CHECK_NOTHROW(validate(base()));
  TestSpec s = base();
  s.nemesis = {"kill", "pause"};
  CHECK_NOTHROW(validate(s));
  s = base();
  s.system = "none";
  s.nodes.mode = NodesMode::LocalCluster;
  CHECK_NOTHROW(validate(s));
}

TEST_CASE("spec: bad combinations fail with a clear message") {
  TestSpec s = base();
  s.system = "mongo";
  CHECK_THROWS_WITH(validate(s), Catch::Contains("unknown system 'mongo'") && Catch::Contains("raft"));
  s = base();
  s.bug = "no-such-bug";
  CHECK_THROWS_WITH(validate(s), Catch::Contains("no bug 'no-such-bug'") && Catch::Contains("stale-read"));
  s = base();
  s.bug = "no-persist";  // paxos's bug, not raft's
  CHECK_THROWS_AS(validate(s), SpecError);
  s = base();
  s.workload = "nope";
  CHECK_THROWS_WITH(validate(s), Catch::Contains("unknown workload 'nope'"));
  s = base();
  s.nemesis = {"partition"};
  CHECK_THROWS_WITH(validate(s), Catch::Contains("partition") && Catch::Contains("--local-processes"));
  s = base();
  s.nemesis = {"earthquake"};
  CHECK_THROWS_WITH(validate(s), Catch::Contains("unknown nemesis fault 'earthquake'"));
  s = base();
  s.time_limit_s = 0;
  CHECK_THROWS_WITH(validate(s), Catch::Contains("--time-limit"));
  s = base();
  s.concurrency = 0;
  CHECK_THROWS_WITH(validate(s), Catch::Contains("--concurrency"));
  s = base();
  s.nodes.count = 0;
  CHECK_THROWS_WITH(validate(s), Catch::Contains("--nodes"));
  s = base();
  s.nodes.mode = NodesMode::Hosts;
  CHECK_THROWS_WITH(validate(s), Catch::Contains("nodes file"));
  s = base();
  s.system = "none";
  s.nemesis = {"kill"};
  CHECK_THROWS_WITH(validate(s), Catch::Contains("system none"));
}

TEST_CASE("spec: a workload needing ops the system does not serve is refused") {
  // `none` serves nothing; every workload with required ops must be refused on it.
  bool any = false;
  for (const auto& w : faultline::workloads::workload_names()) {
    auto wl = faultline::workloads::make_workload(w);
    if (wl->required_ops().empty()) continue;
    any = true;
    TestSpec s = base();
    s.system = "none";
    s.workload = w;
    CHECK_THROWS_WITH(validate(s), Catch::Contains("does not serve"));
  }
  CHECK(any);
  // raft serves what the KV workloads need: register on raft validates.
  SystemInfo raft = system_info("raft");
  CHECK(std::find(raft.ops.begin(), raft.ops.end(), "cas") != raft.ops.end());
  CHECK(raft.bugs.count("stale-read") == 1);
  TestSpec s = base();
  s.workload = "register";
  CHECK_NOTHROW(validate(s));
}

TEST_CASE("spec: a nemesis entry may name its target (KIND:TARGET)") {
  NemesisEntry e = parse_nemesis_entry("kill:primaries");
  CHECK(e.kind == "kill");
  CHECK(e.target == "primaries");
  e = parse_nemesis_entry("pause:n1+n3");
  CHECK(e.kind == "pause");
  CHECK(e.target == "n1,n3");
  e = parse_nemesis_entry("partition");
  CHECK(e.kind == "partition");
  CHECK(e.target.empty());
  TestSpec s = base();
  s.nemesis = {"kill:primaries", "pause:n1+n2", "kill:majority"};
  CHECK_NOTHROW(validate(s));
  s.nodes.mode = NodesMode::LocalCluster;
  s.nemesis = {"partition:primaries", "partition:n2"};
  CHECK_NOTHROW(validate(s));
  // The comma list of the flag/JSON string keeps the targets.
  TestSpec j = spec_from_json({{"system", "raft"}, {"workload", "noop"}, {"nemesis", "partition,kill:primaries"}});
  REQUIRE(j.nemesis.size() == 2);
  CHECK(j.nemesis[1] == "kill:primaries");
  s.nemesis = {"kill:"};
  CHECK_THROWS_WITH(validate(s), Catch::Contains("bad target"));
  s.nemesis = {"kill:n9"};
  CHECK_THROWS_WITH(validate(s), Catch::Contains("no node named 'n9'"));
  s.nemesis = {"earthquake:primaries"};
  CHECK_THROWS_WITH(validate(s), Catch::Contains("unknown nemesis fault 'earthquake'"));
}
