// lock workload: the client's read + cas protocol, reply mapping, the checker on MemoryKv and on a
// racy store, hand-made histories for each anomaly, and the mutual-exclusion check against a
// brute-force oracle that enumerates every placement of the acquire/release points.
#include <catch2/catch.hpp>

#include <set>

#include "faultline/workloads/workload.h"
#include "workload_test_util.h"

using namespace faultline;
using namespace faultline::workloads;
using namespace faultline::workloads::testing;

namespace {

// Hand-made history builder: ops on lock key 0.
struct H {
  History h;
  void inv(int64_t p, const std::string& f) {
    Op op;
    op.process = p;
    op.f = f;
    op.key = 0;
    h.add(op);
  }
  void done(int64_t p, const std::string& f, OpType t, Json token = nullptr) {
    Op op;
    op.process = p;
    op.type = t;
    op.f = f;
    op.key = 0;
    if (t == OpType::Ok) op.value = {{"token", token}};
    h.add(op);
  }
};

// Reads from a lagging follower, cas applied as a plain write on the leader: a lock service
// that hands the lock out twice.
class RacyClient : public SutClient {
 public:
  explicit RacyClient(MemoryKv& kv) : kv_(kv), follower_(kv) {}
  const std::string& node() const override { return follower_.node(); }
  Reply call(const Json& req) override {
    if (req["op"] == "cas") return kv_.apply({{"op", "write"}, {"key", req["key"]}, {"value", req["value"]}});
    return follower_.call(req);
  }

 private:
  MemoryKv& kv_;
  LaggingFollower follower_;
};

}  // namespace

TEST_CASE("lock: configuration") {
  auto w = make_workload("lock");
  CHECK(w->required_ops() == std::vector<std::string>{"read", "cas"});
  const GeneratorConfig c = validated_config(*w, 10);
  CHECK(c.independent_keys);
  CHECK(c.ops_per_key == 40);
  CHECK(c.keys_in_flight == 2);
  CHECK(c.final_ops.empty());
}

TEST_CASE("lock: acquire and release speak read + cas with tokens") {
  auto w = make_workload("lock");
  Json state;                // what reads return
  std::string cas_error;     // "" = cas ok
  FnClient client([&](const Json& req) {
    if (req["op"] == "read") return ok_reply(state);
    return cas_error.empty() ? ok_reply() : error_reply(cas_error);
  });
  Recorder rec(*w);
  state = nullptr;
  Op a = rec.run(2, client, "acquire", nullptr, 4);
  CHECK(a.type == OpType::Ok);
  CHECK(a.value == Json{{"token", 1}});
  CHECK(client.requests[0] == Json{{"op", "read"}, {"key", "lock-4"}});
  CHECK(client.requests[1] == Json{{"op", "cas"},
                                   {"key", "lock-4"},
                                   {"expected", nullptr},
                                   {"value", {{"holder", "p2"}, {"token", 1}}}});
  state = {{"holder", nullptr}, {"token", 6}};
  Op a2 = rec.run(2, client, "acquire", nullptr, 4);
  CHECK(a2.value == Json{{"token", 7}});
  CHECK(client.requests[3]["expected"] == state);
  state = {{"holder", "p2"}, {"token", 7}};
  Op rl = rec.run(2, client, "release", nullptr, 4);
  CHECK(rl.type == OpType::Ok);
  CHECK(rl.value == Json{{"token", 7}});
  CHECK(client.requests[5]["value"] == Json{{"holder", nullptr}, {"token", 7}});
  Op again = rec.run(2, client, "acquire", nullptr, 4);
  CHECK(again.type == OpType::Fail);
  CHECK(again.error == "already-held");
  state = {{"holder", "p1"}, {"token", 7}};
  Op held = rec.run(2, client, "acquire", nullptr, 4);
  CHECK(held.type == OpType::Fail);
  CHECK(held.error == "held");
  Op nh = rec.run(2, client, "release", nullptr, 4);
  CHECK(nh.type == OpType::Fail);
  CHECK(nh.error == "not-holder");
  state = "garbage";
  CHECK(rec.run(2, client, "acquire", nullptr, 4).type == OpType::Fail);
  // cas outcomes
  state = nullptr;
  cas_error = "timeout";
  CHECK(rec.run(3, client, "acquire", nullptr, 4).type == OpType::Info);
  cas_error = "cas-mismatch";
  Op mm = rec.run(4, client, "acquire", nullptr, 4);
  CHECK(mm.type == OpType::Fail);
  CHECK(mm.error == "cas-mismatch");
  // A read error: nothing happened, whatever the code.
  FnClient slow([](const Json&) { return error_reply("timeout"); });
  Op ro = rec.run(5, slow, "acquire", nullptr, 4);
  CHECK(ro.type == OpType::Fail);
  CHECK(ro.error == "read: timeout");
  FnClient broken([](const Json&) -> Reply { throw Indeterminate("eof"); });
  CHECK_THROWS_AS(rec.run(6, broken, "release", nullptr, 4), Indeterminate);
  CHECK_THROWS_AS(rec.run(7, client, "lock", nullptr, 4), std::invalid_argument);
}

TEST_CASE("lock: a correct store gives exclusive holds with increasing tokens") {
  auto w = make_workload("lock");
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    MemoryKv kv;
    std::vector<std::unique_ptr<SutClient>> clients;
    for (int i = 0; i < 5; ++i) clients.push_back(kv.client());
    WorkloadOptions o;
    o.ops_per_key = 30;
    o.keys_in_flight = 2;
    History h = drive_random(*w, seed, 5, 150,
                             [&](int64_t p) -> SutClient& { return *clients[p]; }, o);
    Json r = w->check(h, o);
    INFO(r.dump());
    CHECK(r["valid"] == true);
    CHECK(r["holds"].get<int>() > 10);
  }
}

TEST_CASE("lock: a store that hands the lock out twice is caught") {
  auto w = make_workload("lock");
  MemoryKv kv;
  auto good = kv.client();
  RacyClient racy(kv);
  Recorder rec(*w);
  CHECK(rec.run(0, *good, "acquire", nullptr, 0).type == OpType::Ok);  // 0, 1: token 1
  Op second = rec.run(1, racy, "acquire", nullptr, 0);                // 2, 3: sees free
  CHECK(second.type == OpType::Ok);
  CHECK(second.value == Json{{"token", 1}});
  Json r = w->check(rec.history(), {});
  INFO(r.dump());
  CHECK(r["valid"] == false);
  Json me = find_anomaly(r, "mutual-exclusion");
  REQUIRE(me.is_object());
  CHECK(me["ops"] == Json::array({0, 2}));
  CHECK(me["releases"] == Json::array({nullptr, nullptr}));
  Json tk = find_anomaly(r, "token-not-increasing");
  REQUIRE(tk.is_object());
  CHECK(tk["tokens"] == Json::array({1, 1}));

  // Taking turns on a correct store is fine, tokens 1 then 2.
  MemoryKv kv2;
  auto c0 = kv2.client(), c1 = kv2.client();
  Recorder ok(*w);
  ok.run(0, *c0, "acquire", nullptr, 0);
  CHECK(ok.run(1, *c1, "acquire", nullptr, 0).error == "held");
  ok.run(0, *c0, "release", nullptr, 0);
  CHECK(ok.run(1, *c1, "acquire", nullptr, 0).value == Json{{"token", 2}});
  ok.run(1, *c1, "release", nullptr, 0);
  CHECK(w->check(ok.history(), {})["valid"] == true);
}

TEST_CASE("lock: only definite overlaps count") {
  auto w = make_workload("lock");
  // p0 acquires [0,1], invokes release at 2 (completes 5); p1 acquires [3,4]. The release may
  // have taken effect at 3, before p1's acquire: valid.
  H a;
  a.inv(0, "acquire");
  a.done(0, "acquire", OpType::Ok, 1);
  a.inv(0, "release");
  a.inv(1, "acquire");
  a.done(1, "acquire", OpType::Ok, 2);
  a.done(0, "release", OpType::Ok, 1);
  CHECK(w->check(a.h, {})["valid"] == true);
  // p1's acquire completes before p0's release is invoked: definite overlap.
  H b;
  b.inv(0, "acquire");
  b.done(0, "acquire", OpType::Ok, 1);
  b.inv(1, "acquire");
  b.done(1, "acquire", OpType::Ok, 2);
  b.inv(0, "release");
  b.done(0, "release", OpType::Ok, 1);
  Json r = w->check(b.h, {});
  INFO(r.dump());
  CHECK(anomaly_types(r) == std::set<std::string>{"mutual-exclusion"});
  CHECK(find_anomaly(r, "mutual-exclusion")["releases"] == Json::array({4, nullptr}));
  // A failed release does not end the hold; an info release may have.
  H c;
  c.inv(0, "acquire");
  c.done(0, "acquire", OpType::Ok, 1);
  c.inv(0, "release");
  c.done(0, "release", OpType::Fail);
  c.inv(1, "acquire");
  c.done(1, "acquire", OpType::Ok, 2);
  CHECK(anomaly_types(w->check(c.h, {})) == std::set<std::string>{"mutual-exclusion"});
  H d;
  d.inv(0, "acquire");
  d.done(0, "acquire", OpType::Ok, 1);
  d.inv(0, "release");
  d.done(0, "release", OpType::Info);
  d.inv(1, "acquire");
  d.done(1, "acquire", OpType::Ok, 2);
  CHECK(w->check(d.h, {})["valid"] == true);
  // Info acquires hold nothing for the checker.
  H e;
  e.inv(0, "acquire");
  e.done(0, "acquire", OpType::Info);
  e.inv(1, "acquire");
  e.done(1, "acquire", OpType::Ok, 2);
  CHECK(w->check(e.h, {})["valid"] == true);
}

TEST_CASE("lock: token anomalies") {
  auto w = make_workload("lock");
  // Successive holders with a decreasing token.
  H a;
  a.inv(0, "acquire");
  a.done(0, "acquire", OpType::Ok, 5);
  a.inv(0, "release");
  a.done(0, "release", OpType::Ok, 5);
  a.inv(1, "acquire");
  a.done(1, "acquire", OpType::Ok, 4);
  Json r = w->check(a.h, {});
  CHECK(anomaly_types(r) == std::set<std::string>{"token-not-increasing"});
  CHECK(find_anomaly(r, "token-not-increasing")["ops"] == Json::array({0, 4}));
  // Concurrent acquires with the same token (the holds do not definitely overlap: p0's
  // release was invoked before p1's acquire completed).
  H b;
  b.inv(0, "acquire");
  b.inv(1, "acquire");
  b.done(0, "acquire", OpType::Ok, 3);
  b.inv(0, "release");
  b.done(1, "acquire", OpType::Ok, 3);
  b.done(0, "release", OpType::Ok, 3);
  CHECK(anomaly_types(w->check(b.h, {})) == std::set<std::string>{"duplicate-token"});
  // Release reporting another token; release by a process that never acquired.
  H c;
  c.inv(0, "acquire");
  c.done(0, "acquire", OpType::Ok, 1);
  c.inv(0, "release");
  c.done(0, "release", OpType::Ok, 2);
  c.inv(1, "release");
  c.done(1, "release", OpType::Ok, 2);
  CHECK(anomaly_types(w->check(c.h, {})) ==
        std::set<std::string>{"release-token-mismatch", "release-without-hold"});
}

TEST_CASE("lock: mutual exclusion agrees with a brute-force oracle on random histories") {
  auto w = make_workload("lock");
  Rng rng{777};
  int with = 0, without = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    // 2-3 processes, each alternating acquire / release (2-4 ops), random outcomes; a process
    // whose op ends info stops. Tokens increase with acquire order so only overlaps matter.
    const int np = static_cast<int>(rng.uniform_int(2, 3));
    struct Proc {
      int ops_left;
      bool open = false;
      bool acquire_next = true;
      bool done = false;
    };
    std::vector<Proc> ps;
    for (int p = 0; p < np; ++p) ps.push_back({static_cast<int>(rng.uniform_int(2, 4))});
    H b;
    int token = 0;
    // Oracle's view: holds as (acq inv, acq ret, rel inv, rel ret) positions; rel = -1 none,
    // rel ret = INF for info/pending.
    struct OH {
      int64_t ai, ar, ri = -1, rr = -1;
    };
    std::vector<OH> holds;
    std::vector<int> holding(np, -1);  // process -> open hold (an ok acquire not yet ended)
    std::vector<int64_t> inv_pos(np);
    const int64_t INF = 1'000'000;
    for (int guard = 0; guard < 100; ++guard) {
      std::vector<int> can;
      for (int p = 0; p < np; ++p) {
        if (!ps[p].done && (ps[p].open || ps[p].ops_left > 0)) can.push_back(p);
      }
      if (can.empty()) break;
      const int p = can[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(can.size()) - 1))];
      Proc& s = ps[p];
      const std::string f = s.acquire_next ? "acquire" : "release";
      if (!s.open) {
        inv_pos[p] = static_cast<int64_t>(b.h.size());
        b.inv(p, f);
        s.open = true;
        --s.ops_left;
        continue;
      }
      const int64_t r = rng.uniform_int(0, 9);
      const OpType t = r < 6 ? OpType::Ok : r < 8 ? OpType::Fail : OpType::Info;
      const int64_t pos = static_cast<int64_t>(b.h.size());
      if (f == "acquire") {
        b.done(p, f, t, ++token);
        if (t == OpType::Ok) {
          holds.push_back({inv_pos[p], pos});
          holding[p] = static_cast<int>(holds.size()) - 1;
          s.acquire_next = false;
        }
      } else {
        b.done(p, f, t, token);
        if (t != OpType::Fail && holding[p] >= 0) {
          holds[holding[p]].ri = inv_pos[p];
          holds[holding[p]].rr = t == OpType::Ok ? pos : INF;
          holding[p] = -1;
        }
        if (t == OpType::Ok) s.acquire_next = true;
      }
      s.open = false;
      if (t == OpType::Info) s.done = true;
    }
    // Ops still open stay pending (no completion); a pending release may have happened.
    for (int p = 0; p < np; ++p) {
      if (ps[p].open && !ps[p].acquire_next && holding[p] >= 0) {
        holds[holding[p]].ri = inv_pos[p];
        holds[holding[p]].rr = INF;
      }
    }
    // Oracle: a pair definitely overlaps iff for EVERY choice of acquire points a in [ai, ar]
    // and release points r in [ri, rr] (r = INF without release) the intervals [a, r] meet.
    std::set<std::pair<int64_t, int64_t>> expect;
    for (size_t x = 0; x < holds.size(); ++x) {
      for (size_t y = x + 1; y < holds.size(); ++y) {
        auto range = [&](int64_t lo, int64_t hi) {
          std::vector<int64_t> v;
          for (int64_t i = lo; i <= std::min<int64_t>(hi, 60); ++i) v.push_back(i);
          if (hi >= INF) v.push_back(INF);
          return v;
        };
        const OH& X = holds[x];
        const OH& Y = holds[y];
        bool always = true;
        for (int64_t a1 : range(X.ai, X.ar)) {
          for (int64_t a2 : range(Y.ai, Y.ar)) {
            for (int64_t r1 : X.ri < 0 ? std::vector<int64_t>{INF} : range(X.ri, X.rr)) {
              for (int64_t r2 : Y.ri < 0 ? std::vector<int64_t>{INF} : range(Y.ri, Y.rr)) {
                if (!(std::max(a1, a2) < std::min(r1, r2))) always = false;
              }
            }
          }
        }
        if (always) {
          const int64_t i = b.h[static_cast<size_t>(X.ai)].index;
          const int64_t j = b.h[static_cast<size_t>(Y.ai)].index;
          expect.insert({std::min(i, j), std::max(i, j)});
        }
      }
    }
    const Json r = w->check(b.h, {});
    std::set<std::pair<int64_t, int64_t>> got;
    for (const Json& a : r["anomalies"]) {
      if (a["type"] != "mutual-exclusion") continue;
      int64_t i = a["ops"][0], j = a["ops"][1];
      got.insert({std::min(i, j), std::max(i, j)});
    }
    std::string dump;
    for (const Op& op : b.h.ops()) dump += op_to_json(op).dump() + "\n";
    std::string exp;
    for (auto [i, j] : expect) exp += std::to_string(i) + "," + std::to_string(j) + " ";
    INFO("iteration " << iter << ": " << r.dump() << "\nexpected pairs: " << exp << "\n" << dump);
    REQUIRE(got == expect);
    (expect.empty() ? without : with)++;
  }
  CHECK(with > 100);
  CHECK(without > 100);
}
