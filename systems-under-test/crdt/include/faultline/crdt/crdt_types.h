// State-based CRDTs of faultline-crdtd, pure (no I/O, no clocks): what a key holds, how two
// replicas' states merge, and their JSON encoding (gossip and the durable log).
//
// Every merge below is idempotent (merge(a, a) == a), commutative (merge(a, b) == merge(b, a))
// and associative, so replicas that have received the same updates in any order, any number of
// times, hold equal states (tests/sut/crdt/crdt_types_test.cpp checks the laws on random states).
//   VersionVector  node -> count; merge = pointwise max.
//   GCounter       node -> count of increments made there; value = sum; merge = pointwise max.
//   PNCounter      two GCounters (increments, decrements); value = P - N.
//   ORSet          element -> unique add tags ("node:seq"), plus tombstones (removed tags); an
//                  element is present while it has a tag not tombstoned. remove() tombstones only
//                  the tags this replica has seen (observed-remove): a concurrent add survives.
//                  merge = union of tags and of tombstones. With `drop_tombstones` (the
//                  no-tombstone-merge bug knob) merge ignores the other side's tombstones, so a
//                  remove never reaches the replicas that still hold the element.
//   LwwRegister    a value with its HLC timestamp; merge keeps the larger (wall, logical, node),
//                  a total order, so concurrent writes resolve the same way everywhere.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <variant>

#include <nlohmann/json.hpp>

namespace faultline::crdt {

using Json = nlohmann::json;
using VersionVector = std::map<std::string, uint64_t>;

void vv_merge(VersionVector& into, const VersionVector& other);
// True when a[n] >= b[n] for every n.
bool vv_covers(const VersionVector& a, const VersionVector& b);
Json vv_to_json(const VersionVector& vv);
VersionVector vv_from_json(const Json& j);  // throws std::invalid_argument when malformed

struct HlcTimestamp {
  int64_t wall_ms = 0;
  uint64_t logical = 0;
  std::string node;
  auto key() const { return std::tie(wall_ms, logical, node); }
  bool operator<(const HlcTimestamp& o) const { return key() < o.key(); }
  bool operator==(const HlcTimestamp& o) const { return key() == o.key(); }
};

struct GCounter {
  std::map<std::string, uint64_t> counts;
  void add(const std::string& node, uint64_t d) { counts[node] += d; }
  uint64_t value() const;
  void merge(const GCounter& o);
  bool operator==(const GCounter& o) const { return counts == o.counts; }
};

struct PNCounter {
  GCounter p, n;
  void add(const std::string& node, int64_t d);
  int64_t value() const { return static_cast<int64_t>(p.value() - n.value()); }
  void merge(const PNCounter& o) { p.merge(o.p); n.merge(o.n); }
  bool operator==(const PNCounter& o) const { return p == o.p && n == o.n; }
};

struct ORSet {
  std::map<std::string, std::set<std::string>> adds;  // element (JSON text) -> tags
  std::set<std::string> tombstones;
  void add(const Json& element, const std::string& tag) { adds[element.dump()].insert(tag); }
  // Tombstones every tag of `element` this replica holds; returns how many.
  size_t remove(const Json& element);
  bool contains(const Json& element) const;
  Json elements() const;  // sorted array of present elements
  void merge(const ORSet& o, bool drop_tombstones = false);
  bool operator==(const ORSet& o) const { return adds == o.adds && tombstones == o.tombstones; }
};

struct LwwRegister {
  Json value = nullptr;
  HlcTimestamp ts;  // wall_ms 0 and empty node: never written
  // Ties (only possible with the lww-wall-clock knob) go to the larger value's JSON text, so
  // the merge stays commutative.
  void merge(const LwwRegister& o) {
    if (ts < o.ts || (ts == o.ts && value.dump() < o.value.dump())) *this = o;
  }
  bool operator==(const LwwRegister& o) const { return value == o.value && ts == o.ts; }
};

enum class CrdtType { GCounter, PNCounter, ORSet, Lww };
const char* to_string(CrdtType t);
CrdtType crdt_type_from_string(const std::string& s);  // throws std::invalid_argument

// One key: its CRDT plus `mod`, the version vector of the updates merged into it (what gossip
// compares against a peer's version vector to decide whether to ship the key).
struct Entry {
  std::variant<GCounter, PNCounter, ORSet, LwwRegister> crdt;
  VersionVector mod;
  CrdtType type() const { return static_cast<CrdtType>(crdt.index()); }
  Json value() const;  // counter -> integer, set -> sorted array, register -> value
  // Merges `o` (same type; std::invalid_argument otherwise).
  void merge(const Entry& o, bool drop_tombstones = false);
  bool operator==(const Entry& o) const { return crdt == o.crdt && mod == o.mod; }
};

Entry make_entry(CrdtType t);
Json entry_to_json(const Entry& e);
Entry entry_from_json(const Json& j);  // throws std::invalid_argument when malformed

}  // namespace faultline::crdt
