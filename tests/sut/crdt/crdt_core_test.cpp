// Pure CRDT core: the merge laws (idempotent, commutative, associative) as property tests on
// random states of every type, the JSON round trip, the HLC ordering a causally later write
// wins under clock skew (and the lww-wall-clock knob loses it, same inputs), and convergence of
// seeded replicas after random partitions heal (every acknowledged add present), with the
// no-tombstone-merge knob diverging under the same seeds.
#include <catch2/catch.hpp>

#include <random>

#include "faultline/crdt/crdt_store.h"

using namespace faultline::crdt;

namespace {

const std::vector<std::string> kNodes = {"n1", "n2", "n3"};

// A random state of type t, built by random local updates on random nodes and merges.
Entry random_entry(CrdtType t, std::mt19937_64& rng) {
  std::vector<CrdtStore> stores;
  for (const auto& n : kNodes) stores.emplace_back(n, Bugs{});
  const char* op = t == CrdtType::GCounter ? "g-add" : t == CrdtType::PNCounter ? "pn-add"
                   : t == CrdtType::ORSet ? "set-add" : "write";
  for (int i = 0; i < 12; ++i) {
    auto& s = stores[rng() % stores.size()];
    Json req = {{"op", op}, {"key", "k"}, {"value", int64_t(rng() % 5)}};
    if (t == CrdtType::ORSet && rng() % 3 == 0) req["op"] = "set-remove";
    REQUIRE(s.update(req, int64_t(rng() % 50)).ok);
    auto& other = stores[rng() % stores.size()];
    if (rng() % 2) other.merge_delta(s.delta_for(other.vv()), s.vv());
  }
  std::vector<const CrdtStore*> with_key;
  for (const auto& s : stores)
    if (s.entries().count("k")) with_key.push_back(&s);
  return with_key[rng() % with_key.size()]->entries().at("k");
}

Entry merged(Entry a, const Entry& b) {
  a.merge(b);
  return a;
}

}  // namespace

TEST_CASE("merges are idempotent, commutative and associative on random states") {
  std::mt19937_64 rng(42);
  for (CrdtType t : {CrdtType::GCounter, CrdtType::PNCounter, CrdtType::ORSet, CrdtType::Lww}) {
    for (int trial = 0; trial < 200; ++trial) {
      Entry a = random_entry(t, rng), b = random_entry(t, rng), c = random_entry(t, rng);
      INFO(to_string(t) << " trial " << trial);
      CHECK(merged(a, a) == a);
      CHECK(merged(a, b) == merged(b, a));
      CHECK(merged(merged(a, b), c) == merged(a, merged(b, c)));
      CHECK(entry_from_json(entry_to_json(a)) == a);
    }
  }
}

TEST_CASE("OR-set: observed remove keeps a concurrent add; counters sum") {
  CrdtStore a("n1", {}), b("n2", {});
  REQUIRE(a.update({{"op", "set-add"}, {"key", "s"}, {"value", 7}}, 1).ok);
  b.merge_delta(a.delta_for(b.vv()), a.vv());
  REQUIRE(b.update({{"op", "set-remove"}, {"key", "s"}, {"value", 7}}, 1).ok);
  REQUIRE(a.update({{"op", "set-add"}, {"key", "s"}, {"value", 7}}, 2).ok);  // concurrent re-add
  a.merge_delta(b.delta_for(a.vv()), b.vv());
  b.merge_delta(a.delta_for(b.vv()), a.vv());
  CHECK(a.read("s", false) == Json::array({7}));
  CHECK(b.read("s", false) == Json::array({7}));
  REQUIRE(a.update({{"op", "pn-add"}, {"key", "c"}, {"value", 5}}, 1).ok);
  REQUIRE(b.update({{"op", "pn-add"}, {"key", "c"}, {"value", -2}}, 1).ok);
  CHECK_FALSE(b.update({{"op", "write"}, {"key", "c"}, {"value", 1}}, 1).ok);  // type clash
  a.merge_delta(b.delta_for(a.vv()), b.vv());
  CHECK(a.read("c", false) == 3);
}

TEST_CASE("HLC: a causally later write wins despite a slow clock; lww-wall-clock loses it") {
  for (bool bug : {false, true}) {
    Bugs bugs;
    bugs.lww_wall_clock = bug;
    CrdtStore fast("n1", bugs), slow("n2", bugs);
    REQUIRE(fast.update({{"op", "write"}, {"key", "r"}, {"value", "first"}}, 10'000).ok);
    slow.merge_delta(fast.delta_for(slow.vv()), fast.vv());
    REQUIRE(slow.read("r", false) == "first");  // slow has seen "first", then writes
    REQUIRE(slow.update({{"op", "write"}, {"key", "r"}, {"value", "second"}}, 5'000).ok);
    fast.merge_delta(slow.delta_for(fast.vv()), slow.vv());
    CHECK(fast.read("r", false) == (bug ? "first" : "second"));
  }
}

// Seeded simulation: 3 replicas, random updates, random partitions (sync only within a side),
// then heal and sync all pairs until quiet. Returns whether all replicas ended equal and every
// acknowledged add not removed by an observing remove is present.
static bool converge_run(uint64_t seed, Bugs bugs, bool* adds_ok) {
  std::mt19937_64 rng(seed);
  std::vector<CrdtStore> r;
  for (const auto& n : kNodes) r.emplace_back(n, bugs);
  std::set<int64_t> live;  // acknowledged adds not since removed by an observing remove
  int64_t next = 0;
  for (int round = 0; round < 60; ++round) {
    const int side = int(rng() % 3);  // the isolated replica this round
    for (int i = 0; i < 3; ++i) {
      auto& s = r[rng() % 3];
      if (rng() % 4 == 0) {
        Json els = s.read("s", false);
        if (els.is_array() && !els.empty()) {
          Json e = els[rng() % els.size()];
          REQUIRE(s.update({{"op", "set-remove"}, {"key", "s"}, {"value", e}}, round).ok);
        }
      } else {
        REQUIRE(s.update({{"op", "set-add"}, {"key", "s"}, {"value", next}}, round).ok);
        live.insert(next++);
      }
    }
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b)
        if (a != b && (a == side) == (b == side) && rng() % 2)
          r[a].merge_delta(r[b].delta_for(r[a].vv()), r[b].vv());
  }
  for (int k = 0; k < 3; ++k)
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b)
        if (a != b) r[a].merge_delta(r[b].delta_for(r[a].vv()), r[b].vv());
  // Adds never removed anywhere must be present: check against the union of tombstoned tags.
  const auto& set = std::get<ORSet>(r[0].entries().at("s").crdt);
  *adds_ok = true;
  for (int64_t e : live) {
    auto it = set.adds.find(Json(e).dump());
    if (it == set.adds.end()) *adds_ok = false;
  }
  return r[0].entries() == r[1].entries() && r[1].entries() == r[2].entries() &&
         r[0].read("s", false) == r[1].read("s", false) && r[1].read("s", false) == r[2].read("s", false);
}

TEST_CASE("replicas converge after random partitions heal; no-tombstone-merge diverges") {
  int diverged_with_bug = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    bool adds_ok = false;
    INFO("seed " << seed);
    CHECK(converge_run(seed, {}, &adds_ok));
    CHECK(adds_ok);
    Bugs bug;
    bug.no_tombstone_merge = true;
    bool ignored = false;
    if (!converge_run(seed, bug, &ignored)) ++diverged_with_bug;
  }
  CHECK(diverged_with_bug > 0);
}
