// list-append and rw-register workloads: txn generation, client against MemoryKv and faulty
// wrappers, error mapping, and the verdicts of the transactional checker on the results.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include <faultline/checker/txn_causal_entry.h>

#include "workload_test_util.h"

using namespace faultline;
using namespace faultline::workloads;
using namespace faultline::workloads::testing;

namespace {

// Runs one txn (explicit micro-ops) on process p and records it.
void step(History& h, const Workload& w, SutClient& c, Json txn, int64_t p = 0) {
  h.add(invocation("txn", std::move(txn), p));
  h.add(w.invoke(h.ops().back(), c));
}

// Six txns invoked by seed (seed s on process s) as the runner records them: seed 3 left
// pending, seed 4 completed info by the runner (e.g. Indeterminate; value = the invocation's),
// the others invoked through c. With `prepare`, each invocation goes through
// Workload::prepare() first, as the runner does, and must come out as a list of micro-ops.
History seeded_txns(const Workload& w, SutClient& c, bool prepare) {
  History h;
  for (int64_t seed = 0; seed < 6; ++seed) {
    Op inv = invocation("txn", seed, seed);
    if (prepare) {
      w.prepare(inv);
      REQUIRE(inv.value.is_array());
      CHECK(inv.value.size() >= 1);
    }
    h.add(inv);
    if (seed == 3) continue;  // left pending
    if (seed == 4) {
      h.add(completion(h.ops().back(), OpType::Info));
      continue;
    }
    h.add(w.invoke(h.ops().back(), c));
  }
  h.pair();
  return h;
}

WorkloadOptions with(Json params) {
  WorkloadOptions wo;
  wo.params = std::move(params);
  wo.params["render_svg"] = false;
  return wo;
}

bool anomaly_names(const Json& r, int64_t op_index) {
  for (const Json& a : r["anomalies"])
    for (const Json& i : a["ops"])
      if (i == op_index) return true;
  return false;
}

}  // namespace

TEST_CASE("txn workloads are registered and need txn") {
  for (const char* n : {"list-append", "rw-register"}) {
    auto w = make_workload(n);
    CHECK(w->name() == n);
    auto ops = w->required_ops();
    CHECK(std::find(ops.begin(), ops.end(), "txn") != ops.end());
  }
  GeneratorConfig cfg;
  WorkloadOptions bad = with({{"consistency", "serialisable"}});
  CHECK_THROWS_WITH(make_workload("list-append")->configure(cfg, bad),
                    Catch::Contains("unknown consistency 'serialisable'"));
}

TEST_CASE("list-append: a correct KV is serializable; reads are filled from the reply") {
  MemoryKv kv;
  auto c = kv.client();
  auto w = make_workload("list-append");
  RunOptions ro{.seed = 21, .concurrency = 4, .max_ops = 300};
  ro.wopts = with({{"consistency", "strict-serializable"}});
  History h = run_workload(*w, ro, *c);
  // Txns are random, of 1..4 micro-ops over keys 0..4, with globally unique appended values.
  std::set<int64_t> appended;
  std::set<size_t> lengths;
  int64_t nonempty_reads = 0, appends = 0;
  for (const Op& op : h.ops()) {
    if (op.type != OpType::Ok) continue;
    REQUIRE(op.value.is_array());
    lengths.insert(op.value.size());
    for (const Json& m : op.value) {
      CHECK(m[1].get<int64_t>() >= 0);
      CHECK(m[1].get<int64_t>() < 5);
      if (m[0] == "append") {
        ++appends;
        appended.insert(m[2].get<int64_t>());
      } else {
        REQUIRE(m[0] == "r");
        REQUIRE(m[2].is_array());
        nonempty_reads += !m[2].empty();
      }
    }
  }
  CHECK(static_cast<int64_t>(appended.size()) == appends);
  CHECK(lengths == std::set<size_t>{1, 2, 3, 4});
  CHECK(nonempty_reads > 50);
  Json r = w->check(h, ro.wopts);
  INFO(r.dump().substr(0, 2000));
  CHECK(r["valid"] == true);
  CHECK(r["consistency"] == "strict-serializable");
  CHECK(r["txn_counts"]["ok"] == 300);
  CHECK(r["witness"]["serial_order"].size() == 300);
}

TEST_CASE("list-append: the same seed gives the same txns") {
  auto w = make_workload("list-append");
  MemoryKv a, b;
  auto ca = a.client(), cb = b.client();
  RunOptions ro{.seed = 5, .concurrency = 2, .max_ops = 40};
  History ha = run_workload(*w, ro, *ca), hb = run_workload(*w, ro, *cb);
  REQUIRE(ha.size() == hb.size());
  for (size_t i = 0; i < ha.size(); ++i) CHECK(ha[i].value == hb[i].value);
}

TEST_CASE("list-append: an append the system acknowledges but drops is caught") {
  MemoryKv kv;
  auto inner = kv.client();
  auto w = make_workload("list-append");
  FnClient lossy([&](const Json& req) {
    Json fwd = req;
    Json dropped;
    for (size_t i = 0; i < fwd["ops"].size(); ++i)
      if (fwd["ops"][i]["op"] == "append" && fwd["ops"][i]["value"] == 1) {
        dropped = fwd["ops"][i];
        fwd["ops"].erase(i);
        break;
      }
    Reply r = inner->call(fwd);
    if (r.ok && !dropped.is_null()) r.value.insert(r.value.begin(), dropped);
    return r;
  });
  History h;
  step(h, *w, lossy, {{"append", 0, 1}, {"r", 0, nullptr}});  // sees [] after its own append
  step(h, *w, lossy, {{"append", 0, 2}});
  step(h, *w, lossy, {{"r", 0, nullptr}}, 1);
  h.pair();
  CHECK(h[1].type == OpType::Ok);
  CHECK(h[1].value[1][2] == Json::array());
  Json r = w->check(h, with({}));
  INFO(r.dump());
  CHECK(r["valid"] == false);
  CHECK(anomaly_names(r, 0));
  std::set<std::string> types;
  for (const Json& a : r["anomalies"]) types.insert(a["type"].get<std::string>());
  CHECK(types.count("internal"));
}

TEST_CASE("list-append: a stale list is allowed by serializable, not by stronger models") {
  MemoryKv kv;
  auto inner = kv.client();
  auto w = make_workload("list-append");
  bool stale = false;
  FnClient laggy([&](const Json& req) {
    Reply r = inner->call(req);
    if (stale && r.ok)
      for (Json& m : r.value)
        if (m["op"] == "read") m["value"] = nullptr;  // as if nothing had been appended
    return r;
  });
  History h;
  step(h, *w, laggy, {{"append", 0, 1}});
  stale = true;
  step(h, *w, laggy, {{"r", 0, nullptr}});
  stale = false;
  // Another process reads [1]: now the version order of key 0 is known ([] before [1]).
  step(h, *w, laggy, {{"r", 0, nullptr}}, 1);
  h.pair();
  CHECK(h[5].value[0][2] == Json::array({1}));
  CHECK(w->check(h, with({}))["valid"] == true);
  Json session = w->check(h, with({{"consistency", "strong-session-serializable"}}));
  INFO(session.dump());
  CHECK(session["valid"] == false);
  CHECK(anomaly_names(session, 0));
  CHECK(anomaly_names(session, 2));
  CHECK(w->check(h, with({{"consistency", "strict-serializable"}}))["valid"] == false);
}

TEST_CASE("list-append: a stale follower under concurrency is not serializable") {
  // Reads of key 0 are served from a snapshot taken before any write; other keys are fresh.
  // Txns that read key 0 and another key then see an impossible mix.
  MemoryKv kv, old;
  auto fresh = kv.client();
  auto snapshot = old.client();
  FnClient split([&](const Json& req) {
    Reply r = fresh->call(req);
    if (r.ok)
      for (Json& m : r.value)
        if (m["op"] == "read" && m["key"] == "la-0") m["value"] = snapshot->call(m).value;
    return r;
  });
  auto w = make_workload("list-append");
  RunOptions ro{.seed = 8, .concurrency = 3, .max_ops = 200};
  ro.wopts = with({{"keys", 2}});
  History h = run_workload(*w, ro, split);
  Json r = w->check(h, ro.wopts);
  INFO(r.dump().substr(0, 1500));
  CHECK(r["valid"] == false);
  REQUIRE(!r["anomalies"].empty());
  CHECK(!r["anomalies"][0]["ops"].empty());
}

TEST_CASE("txn workloads: reply errors map to fail / info, Indeterminate propagates") {
  auto w = make_workload("list-append");
  Op inv;
  inv.process = 0;
  inv.f = "txn";
  inv.value = Json{{"append", 0, 5}, {"r", 0, nullptr}};
  FnClient timeout([](const Json&) { return error_reply("timeout"); });
  Op a = w->invoke(inv, timeout);
  CHECK(a.type == OpType::Info);
  CHECK(a.error == "timeout");
  CHECK(a.value == Json{{"append", 0, 5}, {"r", 0, nullptr}});
  FnClient not_leader([](const Json&) { return error_reply("not-leader"); });
  CHECK(w->invoke(inv, not_leader).type == OpType::Fail);
  FnClient garbage([](const Json&) { return ok_reply(Json::array()); });
  Op g = w->invoke(inv, garbage);
  CHECK(g.type == OpType::Info);
  CHECK(g.error.get<std::string>().rfind("malformed-reply", 0) == 0);
  FnClient broken([](const Json&) -> Reply { throw Indeterminate("eof"); });
  CHECK_THROWS_AS(w->invoke(inv, broken), Indeterminate);

  SECTION("a malformed reply makes an otherwise clean check unknown") {
    MemoryKv kv;
    auto c = kv.client();
    History h;
    step(h, *w, *c, {{"append", 1, 7}});
    step(h, *w, garbage, {{"append", 1, 8}, {"r", 1, nullptr}});
    h.pair();
    Json r = w->check(h, with({}));
    CHECK(r["valid"] == "unknown");
    CHECK(r["reason"].get<std::string>().find("malformed-reply") != std::string::npos);
  }
  SECTION("no committed txn is unknown") {
    History h;
    step(h, *w, timeout, {{"append", 1, 7}});
    h.pair();
    CHECK(w->check(h, with({}))["valid"] == "unknown");
  }
}

TEST_CASE("txn workloads: seed invocations and runner-made completions are checkable") {
  // As the runner records them: invocation value = the generator's seed; an Indeterminate or
  // NotSent completion is made by the runner from the invocation (value = the seed).
  MemoryKv kv;
  auto c = kv.client();
  auto w = make_workload("list-append");
  WorkloadOptions wo = with({});
  GeneratorConfig cfg;
  w->configure(cfg, wo);
  History h = seeded_txns(*w, *c, /*prepare=*/false);
  Json r = w->check(h, wo);
  INFO(r.dump());
  CHECK(r["valid"] == true);
  CHECK(r["txn_counts"]["pending"] == 1);
  CHECK(r["txn_counts"]["info"] == 1);
  CHECK(r["stats"]["txns"] == 6);
}

TEST_CASE("rw-register: a correct KV is serializable, with unique writes per key") {
  MemoryKv kv;
  auto c = kv.client();
  auto w = make_workload("rw-register");
  RunOptions ro{.seed = 31, .concurrency = 4, .max_ops = 300};
  ro.wopts = with({{"linearizable_keys", true}, {"consistency", "strict-serializable"}});
  History h = run_workload(*w, ro, *c);
  std::map<int64_t, std::set<int64_t>> written;
  int64_t writes = 0, non_nil_reads = 0;
  for (const Op& op : h.ops()) {
    if (op.type != OpType::Ok) continue;
    for (const Json& m : op.value) {
      if (m[0] == "w") {
        ++writes;
        written[m[1].get<int64_t>()].insert(m[2].get<int64_t>());
      } else {
        REQUIRE(m[0] == "r");
        non_nil_reads += !m[2].is_null();
      }
    }
  }
  int64_t distinct = 0;
  for (auto& [k, vs] : written) distinct += static_cast<int64_t>(vs.size());
  CHECK(distinct == writes);
  CHECK(non_nil_reads > 50);
  CHECK(kv.apply({{"op", "read"}, {"key", "rw-0"}}).value.is_number_integer());
  Json r = w->check(h, ro.wopts);
  INFO(r.dump().substr(0, 2000));
  CHECK(r["valid"] == true);
  CHECK(r["model"] == "rw-register");
}

TEST_CASE("rw-register: stale and garbage reads are caught") {
  MemoryKv kv;
  auto inner = kv.client();
  auto w = make_workload("rw-register");
  SECTION("a stale read after the process's own write breaks strong-session-serializable") {
    bool stale = false;
    FnClient laggy([&](const Json& req) {
      Reply r = inner->call(req);
      if (stale && r.ok)
        for (Json& m : r.value)
          if (m["op"] == "read") m["value"] = nullptr;
      return r;
    });
    History h;
    step(h, *w, laggy, {{"w", 0, 1}});
    stale = true;
    step(h, *w, laggy, {{"r", 0, nullptr}});
    h.pair();
    CHECK(w->check(h, with({}))["valid"] == true);
    Json r = w->check(h, with({{"consistency", "strong-session-serializable"}}));
    INFO(r.dump());
    CHECK(r["valid"] == false);
    CHECK(anomaly_names(r, 2));
  }
  SECTION("a value nobody wrote is invalid under every model") {
    FnClient garbage([&](const Json& req) {
      Reply r = inner->call(req);
      if (r.ok)
        for (Json& m : r.value)
          if (m["op"] == "read") m["value"] = 4242;
      return r;
    });
    History h;
    step(h, *w, *inner, {{"w", 0, 1}});
    step(h, *w, garbage, {{"r", 0, nullptr}}, 1);
    h.pair();
    Json r = w->check(h, with({{"consistency", "read-uncommitted"}}));
    INFO(r.dump());
    CHECK(r["valid"] == false);
    CHECK(anomaly_names(r, 2));
  }
}

TEST_CASE("txn workloads: prepare() expands seeds so the standalone checker reads the history") {
  // The runner calls prepare() before recording an invocation; with it, fail / info / pending
  // txns carry their micro-ops and `faultline check --model list-append` can judge the file.
  MemoryKv kv;
  auto c = kv.client();
  for (const char* name : {"list-append", "rw-register"}) {
    auto w = make_workload(name);
    WorkloadOptions wo = with({});
    GeneratorConfig cfg;
    w->configure(cfg, wo);
    History h = seeded_txns(*w, *c, /*prepare=*/true);
    checker::TxnCausalFlags flags;
    flags.render_svg = false;
    auto r = checker::check_txn_or_causal(h, name, "serializable", flags);
    REQUIRE(r.has_value());
    INFO(name);
    CHECK(r->verdict == Verdict::Valid);
    CHECK(w->check(h, wo)["valid"] == true);
  }
}
