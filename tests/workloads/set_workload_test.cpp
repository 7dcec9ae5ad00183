// set workload: client against MemoryKv and faulty wrappers, error mapping, and the checker
// against a brute-force oracle on small random histories.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>

#include "workload_test_util.h"

using namespace faultline;
using namespace faultline::workloads;
using namespace faultline::workloads::testing;

namespace {

std::unique_ptr<Workload> set_wl() { return make_workload("set"); }

// Index of the invocation of the add of `element`.
int64_t add_index(const History& h, int64_t element) {
  for (const Op& op : h.ops())
    if (op.type == OpType::Invoke && op.f == "add" && op.value == element) return op.index;
  return -1;
}

}  // namespace

TEST_CASE("set: a correct KV gives a valid history with visibility latencies") {
  MemoryKv kv;
  auto c = kv.client();
  auto w = set_wl();
  History h = run_workload(*w, {.seed = 5, .concurrency = 3, .max_ops = 150}, *c);
  Json r = w->check(h, {});
  INFO(r.dump());
  CHECK(r["valid"] == true);
  CHECK(r["lost_count"] == 0);
  CHECK(r["stable_count"].get<int64_t>() > 50);
  CHECK(r["read_count"].get<int64_t>() > 5);
  CHECK(r["visible_latency_ns"].contains("0.5"));
  // The final read holds every acknowledged add.
  const Op& last = h.ops().back();
  REQUIRE(last.f == "read");
  REQUIRE(last.type == OpType::Ok);
  int64_t ok_adds = 0;
  for (const Op& op : h.ops()) ok_adds += op.f == "add" && op.type == OpType::Ok;
  CHECK(static_cast<int64_t>(last.value.size()) == ok_adds);
}

TEST_CASE("set: independent keys use one list per key and one final read per key") {
  MemoryKv kv;
  auto c = kv.client();
  auto w = set_wl();
  RunOptions ro{.seed = 9, .concurrency = 2, .max_ops = 60};
  ro.wopts.ops_per_key = 10;
  History h = run_workload(*w, ro, *c);
  std::set<std::string> keys;
  for (const Op& op : h.ops()) keys.insert(op.key.dump());
  CHECK(keys.size() >= 6);
  CHECK_FALSE(kv.apply({{"op", "read"}, {"key", "set-0"}}).value.is_null());
  CHECK(w->check(h, {})["valid"] == true);
}

TEST_CASE("set: an acknowledged add the system drops is lost, naming the add") {
  MemoryKv kv;
  auto inner = kv.client();
  FnClient lossy([&](const Json& req) {
    if (req["op"] == "append" && req["value"] == 7) return ok_reply();
    return inner->call(req);
  });
  auto w = set_wl();
  History h = run_workload(*w, {.seed = 3, .concurrency = 3, .max_ops = 60}, lossy);
  Json r = w->check(h, {});
  INFO(r.dump());
  CHECK(r["valid"] == false);
  REQUIRE(r["lost_count"] == 1);
  CHECK(r["lost"][0]["element"] == 7);
  CHECK(r["lost"][0]["add_index"] == add_index(h, 7));
}

TEST_CASE("set: reads that lag but catch up are stale, not lost") {
  MemoryKv kv;
  auto inner = kv.client();
  bool final_phase = false;
  FnClient laggy([&](const Json& req) {
    if (req["op"] == "read" && !final_phase) return ok_reply(Json::array());
    return inner->call(req);
  });
  auto w = set_wl();
  // Reads with the stale view, then a fresh final read.
  History h;
  auto step = [&](const std::string& f, Json v) {
    Op inv;
    inv.process = 0;
    inv.f = f;
    inv.value = v;
    h.add(inv);
    Op done = w->invoke(h.ops().back(), laggy);
    h.add(done);
  };
  step("add", 1);
  step("add", 2);
  step("read", nullptr);
  final_phase = true;
  step("read", nullptr);
  h.pair();
  Json r = w->check(h, {});
  INFO(r.dump());
  CHECK(r["valid"] == true);
  CHECK(r["stale_count"] == 2);
  CHECK(r["lost_count"] == 0);
  CHECK(r["stale"][0]["absent_from_read_index"] == 5);
}

TEST_CASE("set: duplicated and unexpected elements are invalid") {
  MemoryKv kv;
  auto inner = kv.client();
  auto w = set_wl();
  SECTION("duplicated") {
    FnClient dup([&](const Json& req) {
      Reply r = inner->call(req);
      if (req["op"] == "read" && r.ok && r.value.is_array() && !r.value.empty())
        r.value.push_back(r.value[0]);
      return r;
    });
    History h = run_workload(*w, {.seed = 4, .concurrency = 2, .max_ops = 30}, dup);
    Json r = w->check(h, {});
    CHECK(r["valid"] == false);
    CHECK(r["duplicated_count"].get<int64_t>() >= 1);
    CHECK(r["duplicated"][0]["count"] == 2);
  }
  SECTION("unexpected") {
    FnClient extra([&](const Json& req) {
      Reply r = inner->call(req);
      if (req["op"] == "read" && r.ok) {
        if (r.value.is_null()) r.value = Json::array();
        r.value.push_back(123456);
      }
      return r;
    });
    History h = run_workload(*w, {.seed = 4, .concurrency = 2, .max_ops = 30}, extra);
    Json r = w->check(h, {});
    CHECK(r["valid"] == false);
    REQUIRE(r["unexpected_count"].get<int64_t>() == 1);
    CHECK(r["unexpected"][0]["element"] == 123456);
    CHECK(r["unexpected"][0]["why"] == "never added");
  }
}

TEST_CASE("set: reply errors map to fail and info; Indeterminate propagates") {
  MemoryKv kv;
  auto inner = kv.client();
  auto w = set_wl();
  Op inv;
  inv.process = 0;
  inv.f = "add";
  inv.value = 1;
  SECTION("timeout -> info, and an applied timed-out add is recovered") {
    FnClient c([&](const Json& req) {
      inner->call(req);
      return error_reply("timeout");
    });
    History h;
    h.add(inv);
    Op done = w->invoke(h.ops().back(), c);
    CHECK(done.type == OpType::Info);
    CHECK(done.error == "timeout");
    h.add(done);
    h.add(invocation("read", nullptr, 1));
    h.add(w->invoke(h.ops().back(), *inner));
    h.pair();
    Json r = w->check(h, {});
    CHECK(r["valid"] == true);
    CHECK(r["recovered_count"] == 1);
    CHECK(r["recovered"][0]["add_index"] == 0);
  }
  SECTION("not-leader -> fail; a failed add that shows up is unexpected") {
    FnClient c([&](const Json& req) {
      inner->call(req);  // a buggy system that applied it anyway
      return error_reply("not-leader");
    });
    History h;
    h.add(inv);
    Op done = w->invoke(h.ops().back(), c);
    CHECK(done.type == OpType::Fail);
    h.add(done);
    h.add(invocation("read", nullptr, 0));
    h.add(w->invoke(h.ops().back(), *inner));
    h.pair();
    Json r = w->check(h, {});
    CHECK(r["valid"] == false);
    CHECK(r["unexpected"][0]["why"] == "its add failed");
    CHECK(r["unexpected"][0]["add_index"] == 0);
  }
  SECTION("Indeterminate") {
    FnClient c([&](const Json&) -> Reply { throw Indeterminate("connection lost"); });
    CHECK_THROWS_AS(w->invoke(inv, c), Indeterminate);
  }
  SECTION("NotSent") {
    FnClient c([&](const Json&) -> Reply { throw NotSent("refused"); });
    CHECK_THROWS_AS(w->invoke(inv, c), NotSent);
  }
}

TEST_CASE("set: adds with no successful read are unknown, not valid") {
  History h;
  Op a;
  a.process = 0;
  a.f = "add";
  a.value = 1;
  h.add(a);
  a.type = OpType::Ok;
  h.add(a);
  Json r = set_wl()->check(h, {});
  CHECK(r["valid"] == "unknown");
  CHECK(r["reason"].get<std::string>().find("no successful read") != std::string::npos);
}

// ---- brute-force oracle ----------------------------------------------------------------

namespace {

struct OracleResult {
  int lost = 0, stale = 0, never = 0, unexpected = 0, dup = 0, recovered = 0;
  Json valid;
};

// Straight from the definitions in set_workload.cpp's header, over positions, with no indexes.
OracleResult oracle(const std::vector<Op>& ops) {
  OracleResult o;
  const int n = static_cast<int>(ops.size());
  auto completion_of = [&](int i) {
    for (int j = i + 1; j < n; ++j)
      if (ops[j].process == ops[i].process) return j;
    return -1;
  };
  auto is_ok_read = [&](int i) {
    int c = completion_of(i);
    return ops[i].type == OpType::Invoke && ops[i].f == "read" && c >= 0 &&
           ops[c].type == OpType::Ok;
  };
  auto contains = [&](int read_inv, int64_t e) {
    for (const Json& x : ops[completion_of(read_inv)].value)
      if (x == e) return true;
    return false;
  };
  std::set<int64_t> elems;
  bool any_read = false, any_add = false;
  for (int i = 0; i < n; ++i) {
    if (ops[i].type != OpType::Invoke) continue;
    if (ops[i].f == "add") { elems.insert(ops[i].value.get<int64_t>()); any_add = true; }
    if (is_ok_read(i)) {
      any_read = true;
      const Json& v = ops[completion_of(i)].value;
      for (size_t a = 0; a < v.size(); ++a) {
        elems.insert(v[a].get<int64_t>());
        for (size_t b = 0; b < a; ++b)
          if (v[a] == v[b]) {
            bool first_dup = true;
            for (size_t c = 0; c < b; ++c) first_dup &= v[c] != v[a];
            for (size_t c = b + 1; c < a; ++c) first_dup &= v[c] != v[a];
            if (first_dup) ++o.dup;
          }
      }
    }
  }
  for (int64_t e : elems) {
    int ok_add_c = -1;
    bool info_add = false, any_add_e = false;
    for (int i = 0; i < n; ++i)
      if (ops[i].type == OpType::Invoke && ops[i].f == "add" && ops[i].value == e) {
        any_add_e = true;
        int c = completion_of(i);
        if (c >= 0 && ops[c].type == OpType::Ok) ok_add_c = c;
        if (c < 0 || ops[c].type == OpType::Info) info_add = true;
      }
    int first_seen_c = -1;
    for (int c = 0; c < n && first_seen_c < 0; ++c)
      for (int i = 0; i < c; ++i)
        if (is_ok_read(i) && completion_of(i) == c && contains(i, e)) first_seen_c = c;
    if (ok_add_c < 0 && !info_add) {
      if (first_seen_c >= 0) ++o.unexpected;
      (void)any_add_e;
      continue;
    }
    if (ok_add_c < 0 && first_seen_c >= 0) ++o.recovered;
    int known = -1;
    if (ok_add_c >= 0) known = ok_add_c;
    if (first_seen_c >= 0 && (known < 0 || first_seen_c < known)) known = first_seen_c;
    if (known < 0) continue;
    int last = -1;
    bool some_absent = false;
    for (int i = known + 1; i < n; ++i)
      if (is_ok_read(i)) {
        last = i;
        if (!contains(i, e)) some_absent = true;
      }
    if (last < 0) ++o.never;
    else if (!contains(last, e)) ++o.lost;
    else if (some_absent) ++o.stale;
  }
  if (o.lost || o.unexpected || o.dup) o.valid = false;
  else if (any_add && !any_read) o.valid = "unknown";
  else o.valid = true;
  return o;
}

}  // namespace

TEST_CASE("set checker agrees with a brute-force oracle on random small histories") {
  std::mt19937_64 rng(2024);
  auto w = set_wl();
  int invalid_seen = 0, valid_seen = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<Op> ops;
    const int procs = 3;
    std::map<int64_t, Op> open;
    int64_t next_elem = 0;
    int64_t next_proc = procs;
    std::vector<int64_t> live = {0, 1, 2};
    const int steps = 4 + static_cast<int>(rng() % 14);
    for (int s = 0; s < steps || !open.empty(); ++s) {
      const bool may_invoke = s < steps;
      size_t slot = rng() % live.size();
      int64_t p = live[slot];
      if (!open.count(p) && may_invoke) {
        Op inv;
        inv.process = p;
        inv.f = rng() % 2 ? "add" : "read";
        if (inv.f == "add") inv.value = next_elem++;
        open[p] = inv;
        ops.push_back(inv);
      } else if (open.count(p)) {
        Op c = open[p];
        open.erase(p);
        const int kind = static_cast<int>(rng() % 6);
        c.type = kind == 0 ? OpType::Fail : kind == 1 ? OpType::Info : OpType::Ok;
        if (c.f == "read") {
          c.type = kind == 0 ? OpType::Fail : OpType::Ok;
          if (c.type == OpType::Ok) {
            Json list = Json::array();
            const int len = static_cast<int>(rng() % 5);
            for (int k = 0; k < len; ++k)
              list.push_back(static_cast<int64_t>(rng() % (next_elem + 2)));
            c.value = list;
          }
        }
        ops.push_back(c);
        if (c.type == OpType::Info) live[slot] = next_proc++;
      }
    }
    History h;
    for (const Op& op : ops) h.add(op);
    h.pair();
    Json r = w->check(h, {});
    OracleResult o = oracle(h.ops());
    INFO("trial " << trial << " result " << r.dump());
    REQUIRE(r["lost_count"] == o.lost);
    REQUIRE(r["stale_count"] == o.stale);
    REQUIRE(r["never_read_count"] == o.never);
    REQUIRE(r["unexpected_count"] == o.unexpected);
    REQUIRE(r["duplicated_count"] == o.dup);
    REQUIRE(r["recovered_count"] == o.recovered);
    REQUIRE(r["valid"] == o.valid);
    (r["valid"] == false ? invalid_seen : valid_seen)++;
  }
  CHECK(invalid_seen > 20);
  CHECK(valid_seen > 20);
}
