// register / cas-register workloads: generator config, request shapes, reply -> ok/fail/info
// mapping, and the per-key linearizability check on histories produced by invoke() against a
// correct MemoryKv (valid) and against buggy clients (invalid, naming the offending op).
#include <catch2/catch.hpp>

#include "faultline/workloads/workload.h"
#include "workload_test_util.h"

using namespace faultline;
using namespace faultline::workloads;
using namespace faultline::workloads::testing;

namespace {

Json find_failure(const Json& result, const Json& key) {
  for (const Json& f : result.at("failures")) {
    if (f.at("key") == key) return f;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("register workloads are registered and configure independent keys") {
  auto reg = make_workload("register");
  auto cas = make_workload("cas-register");
  CHECK(reg->name() == "register");
  CHECK(cas->name() == "cas-register");
  CHECK(reg->required_ops() == std::vector<std::string>{"read", "write"});
  CHECK(cas->required_ops() == std::vector<std::string>{"read", "write", "cas"});
  WorkloadOptions o;
  o.concurrency = 9;
  GeneratorConfig c;
  cas->configure(c, o);
  CHECK(c.independent_keys);
  CHECK(c.ops_per_key == 100);
  CHECK(c.keys_in_flight == 3);
  REQUIRE(c.final_ops.size() == 1);
  CHECK(c.final_ops[0].f == "read");
  REQUIRE(c.phases.size() == 1);
  bool has_cas = false;
  for (const auto& t : c.phases[0].mix) has_cas |= t.f == "cas" && t.value == ValueKind::CasPair;
  CHECK(has_cas);
  validate(c);
  o.ops_per_key = 7;
  o.keys_in_flight = 2;
  GeneratorConfig c2;
  reg->configure(c2, o);
  CHECK(c2.ops_per_key == 7);
  CHECK(c2.keys_in_flight == 2);
  for (const auto& t : c2.phases[0].mix) {
    if (t.f == "write") CHECK(t.value == ValueKind::NextUniqueInt);
  }
}

TEST_CASE("register invoke sends PROTOCOL requests on the key as a string") {
  auto w = make_workload("cas-register");
  FnClient client([](const Json& req) {
    return req["op"] == "read" ? ok_reply(3) : ok_reply(nullptr);
  });
  Recorder rec(*w);
  Op r = rec.run(0, client, "read", nullptr, 7);
  CHECK(r.type == OpType::Ok);
  CHECK(r.value == 3);
  CHECK(r.key == 7);
  Op wr = rec.run(0, client, "write", 4, 7);
  CHECK(wr.type == OpType::Ok);
  CHECK(wr.value == 4);
  Op c = rec.run(0, client, "cas", Json::array({4, 5}), 7);
  CHECK(c.type == OpType::Ok);
  CHECK(c.value == Json::array({4, 5}));
  REQUIRE(client.requests.size() == 3);
  CHECK(client.requests[0] == Json{{"op", "read"}, {"key", "7"}});
  CHECK(client.requests[1] == Json{{"op", "write"}, {"key", "7"}, {"value", 4}});
  CHECK(client.requests[2] ==
        Json{{"op", "cas"}, {"key", "7"}, {"expected", 4}, {"value", 5}});
  CHECK_THROWS_AS(rec.run(1, client, "append", 1, 7), std::invalid_argument);
  auto plain = make_workload("register");
  Recorder rec2(*plain);
  CHECK_THROWS_AS(rec2.run(0, client, "cas", Json::array({1, 2}), 1), std::invalid_argument);
}

TEST_CASE("register replies map to ok / fail / info, client exceptions propagate") {
  auto w = make_workload("cas-register");
  std::string code;
  FnClient client([&](const Json&) { return error_reply(code); });
  Recorder rec(*w);
  code = "timeout";
  Op a = rec.run(0, client, "write", 1, 0);
  CHECK(a.type == OpType::Info);
  CHECK(a.error == "timeout");
  code = "shutting-down";
  CHECK(rec.run(1, client, "read", nullptr, 0).type == OpType::Info);
  code = "cas-mismatch";
  Op m = rec.run(2, client, "cas", Json::array({1, 2}), 0);
  CHECK(m.type == OpType::Fail);
  CHECK(m.error == "cas-mismatch");
  code = "not-leader";
  CHECK(rec.run(2, client, "write", 1, 0).type == OpType::Fail);
  code = "unavailable";
  CHECK(rec.run(2, client, "read", nullptr, 0).type == OpType::Fail);
  FnClient broken([](const Json&) -> Reply { throw Indeterminate("connection lost"); });
  CHECK_THROWS_AS(rec.run(3, broken, "write", 1, 0), Indeterminate);
  FnClient unsent([](const Json&) -> Reply { throw NotSent("refused"); });
  CHECK_THROWS_AS(rec.run(4, unsent, "read", nullptr, 0), NotSent);
}

TEST_CASE("register histories against a correct store are linearizable") {
  for (const char* name : {"register", "cas-register"}) {
    auto w = make_workload(name);
    for (uint64_t seed = 1; seed <= 8; ++seed) {
      MemoryKv kv;
      std::vector<std::unique_ptr<SutClient>> clients;
      for (int i = 0; i < 4; ++i) clients.push_back(kv.client());
      WorkloadOptions o;
      o.ops_per_key = 15;
      o.keys_in_flight = 2;
      History h = drive_random(*w, seed, 4, 120,
                               [&](int64_t p) -> SutClient& { return *clients[p]; }, o);
      Json r = w->check(h, o);
      INFO(name << " seed " << seed << ": " << r.dump());
      CHECK(r["valid"] == true);
      CHECK(r["failures"].empty());
      CHECK(r["keys"].get<int>() >= 4);
      CHECK(r["ops"] == 120);
    }
  }
}

TEST_CASE("register: a stale read from a lagging follower is invalid and named") {
  auto w = make_workload("register");
  MemoryKv kv;
  auto leader = kv.client("n1");
  LaggingFollower follower(kv);
  Recorder rec(*w);
  rec.run(0, *leader, "write", 1, 0);   // 0, 1
  follower.catch_up();
  rec.run(0, *leader, "write", 2, 0);   // 2, 3
  rec.run(1, follower, "read", nullptr, 0);  // 4, 5: returns 1 (stale)
  // Key 1 is fine: the follower caught up before the read.
  rec.run(0, *leader, "write", 10, 1);  // 6, 7
  follower.catch_up();
  rec.run(1, follower, "read", nullptr, 1);  // 8, 9
  Json r = w->check(rec.history(), {});
  INFO(r.dump());
  CHECK(r["valid"] == false);
  REQUIRE(r["failures"].size() == 1);
  Json f = find_failure(r, 0);
  REQUIRE(f.is_object());
  CHECK(f["op"] == 4);
  CHECK(f["ops"] == Json::array({4, 5}));
  CHECK(f["f"] == "read");
  CHECK(f["result"] == 1);
  CHECK(f["explanation"].get<std::string>().find("op 4") != std::string::npos);
  CHECK(find_failure(r, 1).is_null());
  // The same reads from the leader are fine.
  Recorder ok(*w);
  ok.run(0, *leader, "write", 1, 0);
  ok.run(0, *leader, "write", 2, 0);
  ok.run(1, *leader, "read", nullptr, 0);
  CHECK(w->check(ok.history(), {})["valid"] == true);
}

TEST_CASE("register: every failing key is reported, not just the first") {
  auto w = make_workload("register");
  MemoryKv kv;
  auto leader = kv.client("n1");
  LaggingFollower follower(kv);
  Recorder rec(*w);
  for (int k = 0; k < 3; ++k) rec.run(0, *leader, "write", k + 100, k);
  rec.run(1, follower, "read", nullptr, 0);  // null after a completed write: stale
  follower.catch_up();
  rec.run(1, follower, "read", nullptr, 1);  // fresh
  rec.run(0, *leader, "write", 200, 2);
  rec.run(1, follower, "read", nullptr, 2);  // 102 after 200 was written: stale
  Json r = w->check(rec.history(), {});
  INFO(r.dump());
  CHECK(r["valid"] == false);
  CHECK(r["failures"].size() == 2);
  CHECK(find_failure(r, 0)["result"].is_null());
  CHECK(find_failure(r, 2)["result"] == 102);
  CHECK(find_failure(r, 1).is_null());
  CHECK(r["stats"]["keys_valid"] == 1);
}

TEST_CASE("cas-register: two winning cas from the same value are invalid") {
  auto w = make_workload("cas-register");
  MemoryKv kv;
  auto good = kv.client();
  Recorder ok(*w);
  ok.run(0, *good, "write", 0, 5);
  CHECK(ok.run(1, *good, "cas", Json::array({0, 1}), 5).type == OpType::Ok);
  Op second = ok.run(2, *good, "cas", Json::array({0, 2}), 5);
  CHECK(second.type == OpType::Fail);
  CHECK(second.error == "cas-mismatch");
  ok.run(1, *good, "read", nullptr, 5);
  CHECK(w->check(ok.history(), {})["valid"] == true);

  MemoryKv kv2;
  CasAlwaysWins buggy(kv2);
  Recorder bad(*w);
  bad.run(0, buggy, "write", 0, 5);                          // 0, 1
  bad.run(1, buggy, "cas", Json::array({0, 1}), 5);          // 2, 3
  Op b = bad.run(2, buggy, "cas", Json::array({0, 2}), 5);   // 4, 5
  CHECK(b.type == OpType::Ok);
  Json r = w->check(bad.history(), {});
  INFO(r.dump());
  CHECK(r["valid"] == false);
  Json f = find_failure(r, 5);
  REQUIRE(f.is_object());
  CHECK(f["op"] == 4);
  CHECK(f["f"] == "cas");
  REQUIRE(!f["prefixes"].empty());
  CHECK(f["prefixes"][0]["state"] == 1);
}

TEST_CASE("register: info writes may take effect later; failed writes never") {
  auto w = make_workload("register");
  MemoryKv kv;
  auto good = kv.client();
  bool time_out = true;
  FnClient flaky([&](const Json& req) {
    Reply r = kv.apply(req);  // applied, but the reply is lost
    return time_out ? error_reply("timeout") : r;
  });
  Recorder rec(*w);
  CHECK(rec.run(0, flaky, "write", 9, 0).type == OpType::Info);
  rec.run(1, *good, "read", nullptr, 0);  // sees 9
  CHECK(w->check(rec.history(), {})["valid"] == true);

  // A write answered not-leader (fail) that a read nevertheless observes: invalid.
  FnClient liar([&](const Json& req) {
    kv.apply(req);
    return error_reply("not-leader");
  });
  Recorder rec2(*w);
  CHECK(rec2.run(0, liar, "write", 11, 3).type == OpType::Fail);
  rec2.run(1, *good, "read", nullptr, 3);
  Json r = w->check(rec2.history(), {});
  INFO(r.dump());
  CHECK(r["valid"] == false);
  CHECK(find_failure(r, 3)["result"] == 11);
}

TEST_CASE("KV workloads ignore nemesis ops and report ops they do not know") {
  for (const char* name : {"register", "cas-register", "unique-names", "lock"}) {
    INFO(name);
    auto w = make_workload(name);
    MemoryKv kv;
    std::vector<std::unique_ptr<SutClient>> clients;
    for (int i = 0; i < 3; ++i) clients.push_back(kv.client());
    WorkloadOptions o;
    o.ops_per_key = 10;
    History h = drive_random(*w, 3, 3, 30, [&](int64_t p) -> SutClient& { return *clients[p]; },
                             o);
    // Interleave a nemesis start/stop (Jepsen's info/info pair) into the history.
    std::vector<Op> ops;
    for (size_t i = 0; i < h.size(); ++i) {
      Op op = h[i];
      op.index = -1;
      ops.push_back(op);
      if (i == 5 || i == 20) {
        Op n;
        n.process = kNemesisProcess;
        n.type = OpType::Info;
        n.f = i == 5 ? "start-partition" : "stop-partition";
        n.value = "majority";
        ops.push_back(n);
      }
    }
    History with_nemesis;
    for (Op& op : ops) with_nemesis.add(std::move(op));
    Json r = w->check(with_nemesis, o);
    INFO(r.dump());
    CHECK(r["valid"] == true);
    // An op the workload never issues: the verdict is unknown with an error, not valid.
    History bad = with_nemesis;
    Op inv;
    inv.process = 50;
    inv.f = "append";
    inv.key = 0;
    inv.value = 1;
    bad.add(inv);
    Op done = inv;
    done.type = OpType::Ok;
    bad.add(done);
    Json rb = w->check(bad, o);
    INFO(rb.dump());
    CHECK(rb["valid"] == "unknown");
    CHECK(rb["error"].get<std::string>().find("append") != std::string::npos);
  }
}
