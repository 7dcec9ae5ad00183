// State-based CRDTs: see crdt_types.h.
#include "faultline/crdt/crdt_types.h"

#include <stdexcept>

namespace faultline::crdt {

void vv_merge(VersionVector& into, const VersionVector& other) {
  for (const auto& [n, c] : other) {
    uint64_t& mine = into[n];
    if (mine < c) mine = c;
  }
}

bool vv_covers(const VersionVector& a, const VersionVector& b) {
  for (const auto& [n, c] : b) {
    auto it = a.find(n);
    if (c > 0 && (it == a.end() || it->second < c)) return false;
  }
  return true;
}

Json vv_to_json(const VersionVector& vv) {
  Json j = Json::object();
  for (const auto& [n, c] : vv) j[n] = c;
  return j;
}

VersionVector vv_from_json(const Json& j) {
  if (!j.is_object()) throw std::invalid_argument("version vector must be an object");
  VersionVector vv;
  for (const auto& [n, c] : j.items()) {
    if (!c.is_number_unsigned() && !(c.is_number_integer() && c.get<int64_t>() >= 0))
      throw std::invalid_argument("version vector entry " + n + " is not a count");
    vv[n] = c.get<uint64_t>();
  }
  return vv;
}

uint64_t GCounter::value() const {
  uint64_t s = 0;
  for (const auto& [n, c] : counts) s += c;
  return s;
}

void GCounter::merge(const GCounter& o) {
  for (const auto& [n, c] : o.counts) {
    uint64_t& mine = counts[n];
    if (mine < c) mine = c;
  }
}

void PNCounter::add(const std::string& node, int64_t d) {
  if (d >= 0) p.add(node, static_cast<uint64_t>(d));
  else n.add(node, static_cast<uint64_t>(-d));
}

size_t ORSet::remove(const Json& element) {
  auto it = adds.find(element.dump());
  if (it == adds.end()) return 0;
  size_t n = 0;
  for (const auto& t : it->second) n += tombstones.insert(t).second ? 1 : 0;
  return n;
}

bool ORSet::contains(const Json& element) const {
  auto it = adds.find(element.dump());
  if (it == adds.end()) return false;
  for (const auto& t : it->second)
    if (!tombstones.count(t)) return true;
  return false;
}

Json ORSet::elements() const {
  Json out = Json::array();
  for (const auto& [e, tags] : adds) {
    for (const auto& t : tags) {
      if (!tombstones.count(t)) {
        out.push_back(Json::parse(e));
        break;
      }
    }
  }
  return out;
}

void ORSet::merge(const ORSet& o, bool drop_tombstones) {
  for (const auto& [e, tags] : o.adds) adds[e].insert(tags.begin(), tags.end());
  if (!drop_tombstones) tombstones.insert(o.tombstones.begin(), o.tombstones.end());
}

const char* to_string(CrdtType t) {
  switch (t) {
    case CrdtType::GCounter: return "g-counter";
    case CrdtType::PNCounter: return "pn-counter";
    case CrdtType::ORSet: return "or-set";
    case CrdtType::Lww: return "lww-register";
  }
  return "?";
}

CrdtType crdt_type_from_string(const std::string& s) {
  for (CrdtType t : {CrdtType::GCounter, CrdtType::PNCounter, CrdtType::ORSet, CrdtType::Lww})
    if (s == to_string(t)) return t;
  throw std::invalid_argument("unknown CRDT type \"" + s + "\"");
}

Json Entry::value() const {
  switch (type()) {
    case CrdtType::GCounter: return std::get<GCounter>(crdt).value();
    case CrdtType::PNCounter: return std::get<PNCounter>(crdt).value();
    case CrdtType::ORSet: return std::get<ORSet>(crdt).elements();
    case CrdtType::Lww: return std::get<LwwRegister>(crdt).value;
  }
  return nullptr;
}

void Entry::merge(const Entry& o, bool drop_tombstones) {
  if (o.type() != type())
    throw std::invalid_argument(std::string("cannot merge a ") + to_string(o.type()) +
                                " into a " + to_string(type()));
  std::visit(
      [&](auto& mine) {
        using T = std::decay_t<decltype(mine)>;
        if constexpr (std::is_same_v<T, ORSet>) mine.merge(std::get<ORSet>(o.crdt), drop_tombstones);
        else mine.merge(std::get<T>(o.crdt));
      },
      crdt);
  vv_merge(mod, o.mod);
}

Entry make_entry(CrdtType t) {
  Entry e;
  switch (t) {
    case CrdtType::GCounter: e.crdt = GCounter{}; break;
    case CrdtType::PNCounter: e.crdt = PNCounter{}; break;
    case CrdtType::ORSet: e.crdt = ORSet{}; break;
    case CrdtType::Lww: e.crdt = LwwRegister{}; break;
  }
  return e;
}

namespace {

Json gcounter_json(const GCounter& g) { return vv_to_json(g.counts); }

Json crdt_json(const Entry& e) {
  switch (e.type()) {
    case CrdtType::GCounter: return gcounter_json(std::get<GCounter>(e.crdt));
    case CrdtType::PNCounter: {
      const auto& c = std::get<PNCounter>(e.crdt);
      return {{"p", gcounter_json(c.p)}, {"n", gcounter_json(c.n)}};
    }
    case CrdtType::ORSet: {
      const auto& s = std::get<ORSet>(e.crdt);
      Json adds = Json::object();
      for (const auto& [el, tags] : s.adds) adds[el] = tags;
      return {{"adds", adds}, {"tombstones", s.tombstones}};
    }
    case CrdtType::Lww: {
      const auto& r = std::get<LwwRegister>(e.crdt);
      return {{"value", r.value}, {"ts", {r.ts.wall_ms, r.ts.logical, r.ts.node}}};
    }
  }
  return nullptr;
}

void crdt_from_json(Entry& e, const Json& j) {
  switch (e.type()) {
    case CrdtType::GCounter: std::get<GCounter>(e.crdt).counts = vv_from_json(j); break;
    case CrdtType::PNCounter: {
      auto& c = std::get<PNCounter>(e.crdt);
      c.p.counts = vv_from_json(j.at("p"));
      c.n.counts = vv_from_json(j.at("n"));
      break;
    }
    case CrdtType::ORSet: {
      auto& s = std::get<ORSet>(e.crdt);
      for (const auto& [el, tags] : j.at("adds").items())
        s.adds[el] = tags.get<std::set<std::string>>();
      s.tombstones = j.at("tombstones").get<std::set<std::string>>();
      break;
    }
    case CrdtType::Lww: {
      auto& r = std::get<LwwRegister>(e.crdt);
      r.value = j.at("value");
      const Json& ts = j.at("ts");
      r.ts = {ts.at(0).get<int64_t>(), ts.at(1).get<uint64_t>(), ts.at(2).get<std::string>()};
      break;
    }
  }
}

}  // namespace

Json entry_to_json(const Entry& e) {
  return {{"type", to_string(e.type())}, {"state", crdt_json(e)}, {"mod", vv_to_json(e.mod)}};
}

Entry entry_from_json(const Json& j) {
  try {
    Entry e = make_entry(crdt_type_from_string(j.at("type").get<std::string>()));
    crdt_from_json(e, j.at("state"));
    e.mod = vv_from_json(j.at("mod"));
    return e;
  } catch (const Json::exception& ex) {
    throw std::invalid_argument(std::string("malformed CRDT entry: ") + ex.what());
  }
}

}  // namespace faultline::crdt
