// CrdtStore: the replica state of one faultline-crdtd node, pure (the daemon supplies the wall
// clock and does the I/O). Keys hold one CRDT each (crdt_types.h), typed by their first update.
//
// Client ops (requests of PROTOCOL.md's shape; `key` a string):
//   g-add      value: integer >= 0   G-counter increment
//   pn-add     value: integer        PN-counter increment (negative = decrement)
//   set-add    value: any JSON       OR-set add, with the fresh unique tag "<node>:<seq>"
//   set-remove value: any JSON       OR-set remove of the tags this replica has seen
//   write      value: any JSON       LWW-register write, timestamped by the hybrid logical clock
//   read       "vv": true optional   the key's value (null when absent); with vv, the object
//                                    {"value": v, "vv": this node's version vector}
// An update of a key holding another type is refused (bad-request) and changes nothing.
//
// Versioning: every local update takes the next sequence number of this node (vv[self] + 1)
// and raises the key's `mod` vector to it. delta_for(peer_vv) returns every key with an update
// the peer's version vector lacks (state-based: the whole key), so a peer that merges it and
// then takes the pointwise max of the sender's version vector holds everything the sender held.
//
// HLC: write() timestamps with max(wall clock, largest timestamp seen) and a logical counter;
// merges and recovery feed every LWW timestamp they see into the clock, so a write made after
// seeing another gets a larger timestamp whatever the wall clocks say. Bug knob lww-wall-clock:
// the raw wall clock instead (a node whose clock is behind loses its causally later writes).
// no-tombstone-merge: OR-set merges ignore the other side's tombstones. drop-on-restart: handled
// by the daemon (local updates are not persisted) and by recover(): the node forgets its own
// sequence number, so its ungossiped updates are gone for good.
//
// Durable records (JSON): {"k": key, "e": entry} and {"vv": version vector}; recover() merges
// them in any order (idempotent), so replaying the log, or a snapshot of it, rebuilds the state.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "faultline/crdt/crdt_types.h"

namespace faultline::crdt {

struct Bugs {
  bool lww_wall_clock = false;
  bool no_tombstone_merge = false;
  bool drop_on_restart = false;
};

class Hlc {
 public:
  HlcTimestamp now(int64_t wall_ms, const std::string& node);
  void observe(const HlcTimestamp& ts);

 private:
  int64_t wall_ = 0;
  uint64_t logical_ = 0;
};

struct UpdateResult {
  bool ok = true;
  std::string error;  // bad-request message when !ok
  Json value = nullptr;
};

class CrdtStore {
 public:
  CrdtStore(std::string self, Bugs bugs) : self_(std::move(self)), bugs_(bugs) {}

  static bool is_update(const std::string& op);
  // Applies one update request (is_update(op)); on success the key changed.
  UpdateResult update(const Json& request, int64_t wall_ms);
  Json read(const std::string& key, bool with_vv) const;
  Json delta_for(const VersionVector& peer) const;  // {key: entry json}
  // Merges a peer's delta and then its version vector; returns the keys whose state changed.
  // Throws std::invalid_argument on a malformed delta (nothing merged then).
  std::vector<std::string> merge_delta(const Json& keys, const VersionVector& sender_vv);

  Json key_record(const std::string& key) const;  // {"k", "e"}
  Json vv_record() const;                         // {"vv"}
  void recover(const Json& record);               // throws std::invalid_argument if malformed
  // After the last recover(): drop-on-restart forgets this node's own sequence number.
  void finish_recovery();
  std::vector<Json> snapshot() const;  // records equivalent to the whole state

  const VersionVector& vv() const { return vv_; }
  const std::map<std::string, Entry>& entries() const { return entries_; }
  const std::string& self() const { return self_; }

 private:
  Entry& entry_for(const std::string& key, CrdtType t, std::string* error);
  void observe_entry(const Entry& e);
  std::string self_;
  Bugs bugs_;
  Hlc hlc_;
  VersionVector vv_;
  std::map<std::string, Entry> entries_;
};

}  // namespace faultline::crdt
