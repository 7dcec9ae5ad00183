// unique-names workload: requests, reply mapping, checker on MemoryKv / buggy clients, and the
// checker against an oracle on small random histories: a name's history is valid exactly when it
// is linearizable as a cas-register (registration = cas [null claimant]), which the checker
// library decides by exhaustive search.
#include <catch2/catch.hpp>

#include <set>

#include "faultline/checker/linearizability.h"
#include "faultline/checker/model_registry.h"
#include "faultline/workloads/workload.h"
#include "workload_test_util.h"

using namespace faultline;
using namespace faultline::workloads;
using namespace faultline::workloads::testing;

TEST_CASE("unique-names: configuration and requests") {
  auto w = make_workload("unique-names");
  CHECK(w->required_ops() == std::vector<std::string>{"read", "cas"});
  const GeneratorConfig c = validated_config(*w, 8);
  CHECK(c.independent_keys);
  CHECK(c.ops_per_key == 10);
  CHECK(c.keys_in_flight == 2);
  REQUIRE(c.final_ops.size() == 1);
  CHECK(c.final_ops[0].f == "read");
  FnClient client([](const Json& req) { return ok_reply(req["op"] == "read" ? Json("x") : Json()); });
  Recorder rec(*w);
  Op r = rec.run(3, client, "register", 17, 2);
  CHECK(r.type == OpType::Ok);
  CHECK(r.value == "p3-17");
  CHECK(client.requests[0] ==
        Json{{"op", "cas"}, {"key", "name-2"}, {"expected", nullptr}, {"value", "p3-17"}});
  CHECK(rec.run(3, client, "read", nullptr, 2).value == "x");
  CHECK(client.requests[1] == Json{{"op", "read"}, {"key", "name-2"}});
  CHECK_THROWS_AS(rec.run(3, client, "write", 1, 2), std::invalid_argument);
}

TEST_CASE("unique-names: reply mapping") {
  auto w = make_workload("unique-names");
  std::string code;
  FnClient client([&](const Json&) { return error_reply(code); });
  Recorder rec(*w);
  code = "cas-mismatch";
  Op taken = rec.run(0, client, "register", 1, 0);
  CHECK(taken.type == OpType::Fail);
  CHECK(taken.error == "cas-mismatch");
  code = "timeout";
  CHECK(rec.run(1, client, "register", 2, 0).type == OpType::Info);
  FnClient broken([](const Json&) -> Reply { throw Indeterminate("eof"); });
  CHECK_THROWS_AS(rec.run(2, broken, "register", 3, 0), Indeterminate);
}

TEST_CASE("unique-names: a correct store has one winner per name, shown by the reads") {
  auto w = make_workload("unique-names");
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    MemoryKv kv;
    std::vector<std::unique_ptr<SutClient>> clients;
    for (int i = 0; i < 6; ++i) clients.push_back(kv.client());
    WorkloadOptions o;
    o.ops_per_key = 6;
    o.keys_in_flight = 2;
    History h = drive_random(*w, seed, 6, 40, [&](int64_t p) -> SutClient& { return *clients[p]; },
                             o);
    // Final reads of every name, after everything completed.
    Recorder rec(*w);
    History full = h;
    int64_t names = 0;
    for (const Op& op : h.ops()) names = std::max(names, op.key.get<int64_t>() + 1);
    for (int64_t k = 0; k < names; ++k) {
      Op inv;
      inv.process = 100;
      inv.f = "read";
      inv.key = k;
      full.add(inv);
      full.add(w->invoke(full.ops().back(), *clients[0]));
    }
    Json r = w->check(full, o);
    INFO(r.dump());
    CHECK(r["valid"] == true);
    CHECK(r["winners"].size() == static_cast<size_t>(names));
    CHECK(r["registrations"]["ok"] == names);
  }
}

TEST_CASE("unique-names: two winners from a cas that always succeeds") {
  auto w = make_workload("unique-names");
  MemoryKv kv;
  CasAlwaysWins buggy(kv);
  Recorder rec(*w);
  rec.run(0, buggy, "register", 1, 0);  // 0, 1
  rec.run(1, buggy, "register", 2, 0);  // 2, 3
  rec.run(2, buggy, "read", nullptr, 0);  // 4, 5: shows p1-2
  Json r = w->check(rec.history(), {});
  INFO(r.dump());
  CHECK(r["valid"] == false);
  CHECK(anomaly_types(r).count("two-winners"));
  bool named = false;
  for (const Json& a : r["anomalies"]) {
    if (a["type"] == "two-winners") named = a["ops"] == Json::array({0, 2});
  }
  CHECK(named);
  // The same with a correct store: the second registration fails, the read shows the first.
  MemoryKv kv2;
  auto good = kv2.client();
  Recorder ok(*w);
  ok.run(0, *good, "register", 1, 0);
  CHECK(ok.run(1, *good, "register", 2, 0).type == OpType::Fail);
  CHECK(ok.run(2, *good, "read", nullptr, 0).value == "p0-1");
  Json r2 = w->check(ok.history(), {});
  CHECK(r2["valid"] == true);
  CHECK(r2["winners"]["0"] == "p0-1");
}

TEST_CASE("unique-names: a final read from a lagging node loses the registration") {
  auto w = make_workload("unique-names");
  MemoryKv kv;
  auto leader = kv.client();
  LaggingFollower follower(kv);
  Recorder rec(*w);
  rec.run(0, *leader, "register", 1, 0);       // 0, 1
  rec.run(1, follower, "read", nullptr, 0);    // 2, 3: null
  Json r = w->check(rec.history(), {});
  INFO(r.dump());
  CHECK(r["valid"] == false);
  REQUIRE(r["anomalies"].size() == 1);
  CHECK(r["anomalies"][0]["type"] == "lost-registration");
  CHECK(r["anomalies"][0]["ops"] == Json::array({2, 0}));
}

TEST_CASE("unique-names: info registrations may or may not have won") {
  auto w = make_workload("unique-names");
  MemoryKv kv;
  auto good = kv.client();
  FnClient lost_reply([&](const Json& req) {
    kv.apply(req);
    return error_reply("timeout");
  });
  Recorder rec(*w);
  CHECK(rec.run(0, lost_reply, "register", 1, 0).type == OpType::Info);
  CHECK(rec.run(1, *good, "register", 2, 0).type == OpType::Fail);
  CHECK(rec.run(2, *good, "read", nullptr, 0).value == "p0-1");
  CHECK(w->check(rec.history(), {})["valid"] == true);
  // A read showing the claimant of a FAILED registration is an anomaly.
  FnClient liar([&](const Json& req) {
    kv.apply({{"op", "write"}, {"key", req["key"]}, {"value", req["value"]}});
    return error_reply("cas-mismatch");
  });
  Recorder rec2(*w);
  rec2.run(0, liar, "register", 5, 1);
  rec2.run(1, *good, "read", nullptr, 1);
  Json r = w->check(rec2.history(), {});
  INFO(r.dump());
  CHECK(r["valid"] == false);
  CHECK(anomaly_types(r) == std::set<std::string>{"failed-claimant"});
}

TEST_CASE("unique-names checker agrees with cas-register linearizability on random histories") {
  auto w = make_workload("unique-names");
  auto model = checker::make_model("cas-register");
  Rng rng{12345};
  int valid = 0, invalid = 0;
  std::map<std::string, int> seen;
  for (int iter = 0; iter < 3000; ++iter) {
    const int n = static_cast<int>(rng.uniform_int(2, 6));
    // Op i is on process i: kind, outcome.
    std::vector<bool> is_reg(n);
    std::vector<int> outcome(n);  // reg: 0 ok 1 fail 2 info 3 pending; read: value choice
    for (int i = 0; i < n; ++i) {
      is_reg[i] = rng.uniform01() < 0.5;
      outcome[i] = static_cast<int>(rng.uniform_int(0, 3));
    }
    History h, oracle;
    auto claimant = [](int i) { return "p" + std::to_string(i) + "-" + std::to_string(i); };
    auto emit = [&](int i, bool invoke) {
      Op op;
      op.process = i;
      op.key = 0;
      if (invoke) {
        op.type = OpType::Invoke;
        op.f = is_reg[i] ? "register" : "read";
        op.value = is_reg[i] ? Json(i) : Json();
      } else if (is_reg[i]) {
        op.type = outcome[i] == 0 ? OpType::Ok : outcome[i] == 1 ? OpType::Fail : OpType::Info;
        op.f = "register";
        op.value = op.type == OpType::Ok ? Json(claimant(i)) : Json(i);
      } else {
        op.type = outcome[i] == 3 ? OpType::Info : OpType::Ok;
        op.f = "read";
        // null, or the claimant of a random op (maybe a read's: nobody claimed it)
        if (outcome[i] != 0 && op.type == OpType::Ok) {
          op.value = claimant(static_cast<int>(rng.uniform_int(0, n - 1)));
        }
      }
      Op o2 = op;
      if (o2.f == "register") {
        o2.f = "cas";
        o2.value = Json::array({nullptr, claimant(i)});
      } else if (invoke) {
        o2.value = nullptr;
      }
      h.add(op);
      oracle.add(o2);
    };
    std::vector<int> open;
    int next_op = 0;
    while (next_op < n || !open.empty()) {
      if (next_op < n && (open.empty() || rng.uniform01() < 0.5)) {
        emit(next_op, true);
        open.push_back(next_op++);
      } else {
        const auto k = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(open.size()) - 1));
        const int i = open[k];
        open.erase(open.begin() + static_cast<long>(k));
        if (is_reg[i] && outcome[i] == 3) continue;  // never completes
        emit(i, false);
      }
    }
    const Json r = w->check(h, {});
    const bool expect = checker::check_linearizable(oracle, *model).verdict == Verdict::Valid;
    INFO("iteration " << iter << ": " << r.dump());
    REQUIRE(r["valid"].get<bool>() == expect);
    (expect ? valid : invalid)++;
    for (const auto& t : anomaly_types(r)) seen[t]++;
  }
  CHECK(valid > 300);
  CHECK(invalid > 300);
  for (const char* t : {"two-winners", "read-not-winner", "owner-changed", "failed-claimant",
                        "unknown-claimant", "lost-registration", "read-before-claim",
                        "name-freed"}) {
    INFO(t);
    CHECK(seen[t] > 0);
  }
}
