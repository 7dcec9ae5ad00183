// bank workload: transfers against MemoryKv conserve the total; a one-sided transfer is caught
// naming the reads; error mapping; the checker against a brute-force oracle.
#include <catch2/catch.hpp>

#include <random>

#include "workload_test_util.h"

using namespace faultline;
using namespace faultline::workloads;
using namespace faultline::workloads::testing;

namespace {

// A configured bank workload (3 accounts, total 30, transfers of 1..max).
std::unique_ptr<Workload> bank(WorkloadOptions& wo, int64_t accounts = 3, int64_t total = 30,
                               int64_t max_transfer = 5) {
  auto w = make_workload("bank");
  wo.key_count = accounts;
  wo.params = {{"total", total}, {"max_transfer", max_transfer}};
  GeneratorConfig cfg;
  w->configure(cfg, wo);
  return w;
}

}  // namespace

TEST_CASE("bank: a correct KV conserves the total over concurrent transfers") {
  MemoryKv kv;
  auto c = kv.client();
  auto w = make_workload("bank");
  RunOptions ro{.seed = 11, .concurrency = 4, .max_ops = 300};
  ro.wopts.params = {{"total", 20}, {"max_transfer", 7}};
  History h = run_workload(*w, ro, *c);
  Json r = w->check(h, ro.wopts);
  INFO(r.dump());
  CHECK(r["valid"] == true);
  CHECK(r["accounts"] == 5);
  CHECK(r["read_count"].get<int64_t>() > 50);
  CHECK(r["transfers"]["ok"].get<int64_t>() > 50);
  // Small balances and large amounts: some transfers must be refused as insufficient.
  CHECK(r["transfers"]["insufficient"].get<int64_t>() > 0);
  // The state itself sums to the total and no balance is negative.
  int64_t sum = 0;
  for (int i = 0; i < 5; ++i) {
    Json b = kv.apply({{"op", "read"}, {"key", "bank-" + std::to_string(i)}}).value;
    int64_t x = b.is_null() ? 4 : b.get<int64_t>();
    CHECK(x >= 0);
    sum += x;
  }
  CHECK(sum == 20);
}

TEST_CASE("bank: a transfer that applies only one side is caught, naming the reads") {
  MemoryKv kv;
  auto inner = kv.client();
  FnClient one_sided([&](const Json& req) {
    if (req["op"] == "txn" && req["ops"].size() == 2 && req["ops"][0]["op"] == "cas") {
      Json only_first = req;
      only_first["ops"].erase(1);
      Reply r = inner->call(only_first);
      if (r.ok) r.value.push_back(req["ops"][1]);
      return r;
    }
    return inner->call(req);
  });
  auto w = make_workload("bank");
  RunOptions ro{.seed = 2, .concurrency = 2, .max_ops = 40};
  History h = run_workload(*w, ro, one_sided);
  Json r = w->check(h, ro.wopts);
  INFO(r.dump());
  CHECK(r["valid"] == false);
  REQUIRE(r["wrong_total_count"].get<int64_t>() > 0);
  const Json& first = r["bad_reads"][0];
  const Op& named = h[static_cast<size_t>(first["index"].get<int64_t>())];
  CHECK(named.f == "read");
  CHECK(named.type == OpType::Ok);
  CHECK(h[static_cast<size_t>(first["invoke_index"].get<int64_t>())].type == OpType::Invoke);
  CHECK(first["problems"][0] == "wrong-total");
}

TEST_CASE("bank: transfer outcomes map to ok, fail, info") {
  MemoryKv kv;
  auto inner = kv.client();
  WorkloadOptions wo;
  auto w = bank(wo);  // 3 accounts of 10
  // value 0 -> amount 1, from 0, to 1
  SECTION("ok moves the amount") {
    Op done = w->invoke(invocation("transfer", 0), *inner);
    CHECK(done.type == OpType::Ok);
    CHECK(done.value == Json{{"from", 0}, {"to", 1}, {"amount", 1}});
    CHECK(kv.apply({{"op", "read"}, {"key", "bank-0"}}).value == 9);
    CHECK(kv.apply({{"op", "read"}, {"key", "bank-1"}}).value == 11);
  }
  SECTION("a concurrent change between read and cas is cas-mismatch -> fail") {
    int calls = 0;
    FnClient racy([&](const Json& req) {
      Reply r = inner->call(req);
      if (++calls == 1) kv.apply({{"op", "write"}, {"key", "bank-0"}, {"value", 3}});
      return r;
    });
    Op done = w->invoke(invocation("transfer", 0), racy);
    CHECK(done.type == OpType::Fail);
    CHECK(done.error == "cas-mismatch");
    CHECK(kv.apply({{"op", "read"}, {"key", "bank-1"}}).value.is_null());
  }
  SECTION("insufficient funds: not sent, fail") {
    kv.apply({{"op", "write"}, {"key", "bank-0"}, {"value", 0}});
    int calls = 0;
    FnClient counting([&](const Json& req) { ++calls; return inner->call(req); });
    Op done = w->invoke(invocation("transfer", 0), counting);
    CHECK(done.type == OpType::Fail);
    CHECK(done.error == "insufficient");
    CHECK(calls == 1);  // only the read
  }
  SECTION("timeout on the cas txn -> info; on the read step -> fail") {
    int calls = 0;
    FnClient slow([&](const Json& req) {
      ++calls;
      if (calls == 2) return error_reply("timeout");
      return inner->call(req);
    });
    Op done = w->invoke(invocation("transfer", 0), slow);
    CHECK(done.type == OpType::Info);
    CHECK(done.error == "timeout");
    FnClient slow_read([&](const Json&) { return error_reply("timeout"); });
    Op done2 = w->invoke(invocation("transfer", 0), slow_read);
    CHECK(done2.type == OpType::Fail);
    CHECK(done2.error == "read step: timeout");
  }
  SECTION("Indeterminate propagates") {
    FnClient broken([&](const Json&) -> Reply { throw Indeterminate("eof"); });
    CHECK_THROWS_AS(w->invoke(invocation("transfer", 0), broken), Indeterminate);
    CHECK_THROWS_AS(w->invoke(invocation("read", nullptr), broken), Indeterminate);
  }
  SECTION("read returns every account, raw") {
    kv.apply({{"op", "write"}, {"key", "bank-2"}, {"value", 10}});
    Op done = w->invoke(invocation("read", nullptr), *inner);
    CHECK(done.type == OpType::Ok);
    CHECK(done.value == Json{{"0", nullptr}, {"1", nullptr}, {"2", 10}});
  }
}

TEST_CASE("bank: no ok read is unknown") {
  History h;
  h.add(invocation("read", nullptr));
  Op f = invocation("read", nullptr);
  f.type = OpType::Fail;
  h.add(f);
  WorkloadOptions wo;
  CHECK(make_workload("bank")->check(h, wo)["valid"] == "unknown");
}

// ---- brute-force oracle ----------------------------------------------------------------

TEST_CASE("bank checker agrees with a brute-force oracle on random small histories") {
  std::mt19937_64 rng(77);
  auto w = make_workload("bank");
  int invalid_seen = 0, valid_seen = 0;
  for (int trial = 0; trial < 500; ++trial) {
    const int64_t accounts = 2 + static_cast<int64_t>(rng() % 3);
    const int64_t total = static_cast<int64_t>(rng() % 7);
    WorkloadOptions wo;
    wo.key_count = accounts;
    wo.params = {{"total", total}};
    History h;
    bool any_ok_read = false, oracle_invalid = false;
    std::vector<int64_t> oracle_bad;  // completion indexes
    const int reads = static_cast<int>(rng() % 4);
    for (int i = 0; i < reads; ++i) {
      h.add(invocation("read", nullptr, i));
      Op c = invocation("read", nullptr, i);
      c.type = rng() % 5 == 0 ? OpType::Fail : OpType::Ok;
      // Mostly the initial state (all absent) or a correct redistribution, sometimes broken.
      Json v = Json::object();
      std::vector<int64_t> bal(static_cast<size_t>(accounts));
      for (int64_t a = 0; a < accounts; ++a) bal[a] = total / accounts + (a < total % accounts);
      if (rng() % 2) {  // move some money around correctly
        int64_t from = static_cast<int64_t>(rng() % accounts), to = static_cast<int64_t>(rng() % accounts);
        int64_t amt = bal[from] ? static_cast<int64_t>(rng() % (bal[from] + 1)) : 0;
        bal[from] -= amt;
        bal[to] += amt;
      }
      bool drop = false;
      const int fault = static_cast<int>(rng() % 6);
      if (fault == 0) bal[rng() % accounts] += 1;
      if (fault == 1) { bal[0] -= total + 1; bal[1] += total + 1; }
      if (fault == 2) drop = true;
      for (int64_t a = 0; a < accounts; ++a) {
        if (drop && a == accounts - 1) continue;
        const bool absent = bal[a] == total / accounts + (a < total % accounts) && rng() % 2;
        v[std::to_string(a)] = absent ? Json() : Json(bal[a]);
      }
      c.value = v;
      h.add(c);
      if (c.type != OpType::Ok) continue;
      any_ok_read = true;
      // Oracle: sum every account the plain way.
      bool bad = false;
      int64_t s = 0;
      for (int64_t a = 0; a < accounts; ++a) {
        auto it = v.find(std::to_string(a));
        if (it == v.end()) { bad = true; break; }
        int64_t x = it->is_null() ? total / accounts + (a < total % accounts) : it->get<int64_t>();
        if (x < 0) bad = true;
        s += x;
      }
      if (s != total) bad = true;
      if (bad) { oracle_invalid = true; oracle_bad.push_back(h.ops().back().index); }
    }
    Json r = w->check(h, wo);
    INFO("trial " << trial << " " << r.dump());
    Json expect = oracle_invalid ? Json(false) : any_ok_read ? Json(true) : Json("unknown");
    REQUIRE(r["valid"] == expect);
    REQUIRE(r["bad_read_count"] == oracle_bad.size());
    for (size_t i = 0; i < oracle_bad.size(); ++i) REQUIRE(r["bad_reads"][i]["index"] == oracle_bad[i]);
    (oracle_invalid ? invalid_seen : valid_seen)++;
  }
  CHECK(invalid_seen > 50);
  CHECK(valid_seen > 50);
}
