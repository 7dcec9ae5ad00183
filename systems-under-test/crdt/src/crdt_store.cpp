// CrdtStore: see crdt_store.h.
#include "faultline/crdt/crdt_store.h"

#include <stdexcept>

namespace faultline::crdt {

HlcTimestamp Hlc::now(int64_t wall_ms, const std::string& node) {
  if (wall_ms > wall_) {
    wall_ = wall_ms;
    logical_ = 0;
  } else {
    ++logical_;
  }
  return {wall_, logical_, node};
}

void Hlc::observe(const HlcTimestamp& ts) {
  if (ts.wall_ms > wall_) {
    wall_ = ts.wall_ms;
    logical_ = ts.logical;
  } else if (ts.wall_ms == wall_ && ts.logical > logical_) {
    logical_ = ts.logical;
  }
}

bool CrdtStore::is_update(const std::string& op) {
  return op == "g-add" || op == "pn-add" || op == "set-add" || op == "set-remove" ||
         op == "write";
}

Entry& CrdtStore::entry_for(const std::string& key, CrdtType t, std::string* error) {
  auto it = entries_.find(key);
  if (it == entries_.end()) it = entries_.emplace(key, make_entry(t)).first;
  if (it->second.type() != t)
    *error = "key " + key + " holds a " + to_string(it->second.type()) + ", not a " + to_string(t);
  return it->second;
}

UpdateResult CrdtStore::update(const Json& request, int64_t wall_ms) {
  UpdateResult r;
  const std::string op = request.value("op", "");
  if (!request.contains("key") || !request["key"].is_string()) return {false, "no string key", nullptr};
  if (!request.contains("value")) return {false, op + " needs a value", nullptr};
  const std::string key = request["key"].get<std::string>();
  const Json& v = request["value"];
  CrdtType t = CrdtType::Lww;
  if (op == "g-add") t = CrdtType::GCounter;
  else if (op == "pn-add") t = CrdtType::PNCounter;
  else if (op == "set-add" || op == "set-remove") t = CrdtType::ORSet;
  else if (op != "write") return {false, "not an update: " + op, nullptr};
  if ((t == CrdtType::GCounter || t == CrdtType::PNCounter) && !v.is_number_integer())
    return {false, op + " needs an integer value", nullptr};
  if (t == CrdtType::GCounter && v.get<int64_t>() < 0)
    return {false, "g-add needs a value >= 0", nullptr};
  if (entries_.count(key) && entries_.at(key).type() != t)
    return {false, "key " + key + " holds a " + to_string(entries_.at(key).type()) +
                       ", not a " + to_string(t), nullptr};
  std::string error;
  Entry& e = entry_for(key, t, &error);
  const uint64_t seq = ++vv_[self_];
  e.mod[self_] = seq;
  switch (t) {
    case CrdtType::GCounter: std::get<GCounter>(e.crdt).add(self_, v.get<uint64_t>()); break;
    case CrdtType::PNCounter: std::get<PNCounter>(e.crdt).add(self_, v.get<int64_t>()); break;
    case CrdtType::ORSet:
      if (op == "set-add") std::get<ORSet>(e.crdt).add(v, self_ + ":" + std::to_string(seq));
      else r.value = std::get<ORSet>(e.crdt).remove(v);
      break;
    case CrdtType::Lww: {
      // A write is a merge like any other: with the HLC its timestamp is above every one this
      // node has seen, so it always wins here; with the raw wall clock it may lose at once.
      LwwRegister w{v, bugs_.lww_wall_clock ? HlcTimestamp{wall_ms, 0, self_} : hlc_.now(wall_ms, self_)};
      std::get<LwwRegister>(e.crdt).merge(w);
      break;
    }
  }
  return r;
}

Json CrdtStore::read(const std::string& key, bool with_vv) const {
  auto it = entries_.find(key);
  Json v = it == entries_.end() ? Json(nullptr) : it->second.value();
  if (!with_vv) return v;
  return {{"value", v}, {"vv", vv_to_json(vv_)}};
}

Json CrdtStore::delta_for(const VersionVector& peer) const {
  Json out = Json::object();
  for (const auto& [k, e] : entries_)
    if (!vv_covers(peer, e.mod)) out[k] = entry_to_json(e);
  return out;
}

void CrdtStore::observe_entry(const Entry& e) {
  if (e.type() == CrdtType::Lww) hlc_.observe(std::get<LwwRegister>(e.crdt).ts);
}

std::vector<std::string> CrdtStore::merge_delta(const Json& keys, const VersionVector& sender_vv) {
  if (!keys.is_object()) throw std::invalid_argument("delta keys must be an object");
  std::map<std::string, Entry> parsed;
  for (const auto& [k, j] : keys.items()) {
    Entry e = entry_from_json(j);
    auto it = entries_.find(k);
    if (it != entries_.end() && it->second.type() != e.type())
      throw std::invalid_argument("delta for key " + k + " has another type");
    parsed.emplace(k, std::move(e));
  }
  std::vector<std::string> changed;
  for (auto& [k, e] : parsed) {
    observe_entry(e);
    auto it = entries_.find(k);
    if (it == entries_.end()) {
      entries_.emplace(k, std::move(e));
      changed.push_back(k);
      continue;
    }
    Entry before = it->second;
    it->second.merge(e, bugs_.no_tombstone_merge);
    if (!(before == it->second)) changed.push_back(k);
  }
  vv_merge(vv_, sender_vv);
  return changed;
}

Json CrdtStore::key_record(const std::string& key) const {
  return {{"k", key}, {"e", entry_to_json(entries_.at(key))}};
}

Json CrdtStore::vv_record() const { return {{"vv", vv_to_json(vv_)}}; }

void CrdtStore::recover(const Json& record) {
  if (!record.is_object()) throw std::invalid_argument("record is not an object");
  if (record.contains("vv")) vv_merge(vv_, vv_from_json(record["vv"]));
  if (!record.contains("k")) return;
  if (!record["k"].is_string() || !record.contains("e"))
    throw std::invalid_argument("key record without string k and e");
  Entry e = entry_from_json(record["e"]);
  observe_entry(e);
  const std::string key = record["k"].get<std::string>();
  auto it = entries_.find(key);
  if (it == entries_.end()) entries_.emplace(key, std::move(e));
  else it->second.merge(e);
  vv_merge(vv_, entries_.at(key).mod);
}

void CrdtStore::finish_recovery() {
  if (bugs_.drop_on_restart) vv_.erase(self_);
}

std::vector<Json> CrdtStore::snapshot() const {
  std::vector<Json> out;
  for (const auto& [k, e] : entries_) out.push_back(key_record(k));
  out.push_back(vv_record());
  return out;
}

}  // namespace faultline::crdt
