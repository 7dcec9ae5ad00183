// JSON wire and record encoding for the Multi-Paxos daemon; formats are listed in wire.h.
#include "faultline/paxos/wire.h"

#include <algorithm>

namespace faultline::paxos {

using nlohmann::json;

MemberNames::MemberNames(std::vector<std::string> names) : names_(std::move(names)) {
  std::sort(names_.begin(), names_.end());
  if (names_.empty()) throw WireError("member list is empty");
  if (std::adjacent_find(names_.begin(), names_.end()) != names_.end()) {
    throw WireError("member list names a node twice");
  }
}

const std::string& MemberNames::name(NodeId id) const {
  if (id >= names_.size()) throw WireError("node index " + std::to_string(id) + " out of range");
  return names_[id];
}

NodeId MemberNames::id(const std::string& name) const {
  auto it = std::lower_bound(names_.begin(), names_.end(), name);
  if (it == names_.end() || *it != name) throw WireError("unknown node id \"" + name + "\"");
  return static_cast<NodeId>(it - names_.begin());
}

std::vector<NodeId> MemberNames::ids() const {
  std::vector<NodeId> out;
  for (NodeId i = 0; i < names_.size(); ++i) out.push_back(i);
  return out;
}

namespace {

const json& field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) throw WireError(std::string("missing field \"") + name + "\"");
  return *it;
}

uint64_t u64(const json& j, const char* name) {
  const json& v = field(j, name);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
    throw WireError(std::string("field \"") + name + "\" is not a non-negative integer");
  }
  return v.get<uint64_t>();
}

std::string str(const json& j, const char* name) {
  const json& v = field(j, name);
  if (!v.is_string()) throw WireError(std::string("field \"") + name + "\" is not a string");
  return v.get<std::string>();
}

Ballot ballot_from(const json& j, const char* name, const MemberNames& names) {
  const json& v = field(j, name);
  if (!v.is_array() || v.size() != 2 || !v[0].is_number_integer() || v[0].get<int64_t>() < 0 ||
      !v[1].is_string()) {
    throw WireError(std::string("field \"") + name + "\" is not a ballot [round, node]");
  }
  const uint64_t round = v[0].get<uint64_t>();
  if (round == 0) return Ballot{};
  return Ballot{round, names.id(v[1].get<std::string>())};
}

json value_to_json(const Value& v) {
  if (v.is_noop()) return json{{"id", ""}};
  return json{{"id", v.id}, {"cmd", v.payload}};
}

Value value_from(const json& j, const char* name) {
  const json& v = field(j, name);
  if (!v.is_object()) throw WireError(std::string("field \"") + name + "\" is not a value");
  Value out;
  out.id = str(v, "id");
  if (!out.id.empty()) out.payload = str(v, "cmd");
  return out;
}

}  // namespace

json ballot_to_json(const Ballot& b, const MemberNames& names) {
  return json::array({b.round, b.is_none() ? std::string() : names.name(b.node)});
}

json encode_message(const Envelope& e, const MemberNames& names) {
  json j;
  j["from"] = names.name(e.from);
  j["to"] = names.name(e.to);
  std::visit(
      [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        j["b"] = ballot_to_json(m.ballot, names);
        if constexpr (std::is_same_v<M, Prepare>) {
          j["rpc"] = "prepare";
          j["from_slot"] = m.from_slot;
        } else if constexpr (std::is_same_v<M, Promise>) {
          j["rpc"] = "promise";
          json entries = json::array();
          for (const PromiseEntry& pe : m.entries) {
            entries.push_back(json{{"s", pe.slot}, {"b", ballot_to_json(pe.ballot, names)},
                                   {"v", value_to_json(pe.value)}, {"chosen", pe.chosen}});
          }
          j["entries"] = std::move(entries);
        } else if constexpr (std::is_same_v<M, Nack>) {
          j["rpc"] = "nack";
          j["promised"] = ballot_to_json(m.promised, names);
        } else if constexpr (std::is_same_v<M, Accept>) {
          j["rpc"] = "accept";
          j["s"] = m.slot;
          j["v"] = value_to_json(m.value);
          j["commit"] = m.commit;
        } else if constexpr (std::is_same_v<M, Accepted>) {
          j["rpc"] = "accepted";
          j["s"] = m.slot;
        } else if constexpr (std::is_same_v<M, Heartbeat>) {
          j["rpc"] = "heartbeat";
          j["commit"] = m.commit;
        } else if constexpr (std::is_same_v<M, HeartbeatAck>) {
          j["rpc"] = "heartbeat-ack";
          j["first_unchosen"] = m.first_unchosen;
        } else if constexpr (std::is_same_v<M, Learn>) {
          j["rpc"] = "learn";
          json entries = json::array();
          for (const ChosenEntry& c : m.entries) {
            entries.push_back(json{{"s", c.slot}, {"v", value_to_json(c.value)}});
          }
          j["entries"] = std::move(entries);
        }
      },
      e.message);
  return j;
}

Envelope decode_message(const json& j, NodeId self, const MemberNames& names) {
  if (!j.is_object()) throw WireError("peer message is not an object");
  Envelope e;
  e.from = names.id(str(j, "from"));
  e.to = self;
  if (j.contains("to") && names.id(str(j, "to")) != self) {
    throw WireError("message addressed to \"" + str(j, "to") + "\", not to this node");
  }
  const std::string rpc = str(j, "rpc");
  const Ballot b = ballot_from(j, "b", names);
  if (rpc == "prepare") {
    e.message = Prepare{b, u64(j, "from_slot")};
  } else if (rpc == "promise") {
    Promise p{b, {}};
    const json& entries = field(j, "entries");
    if (!entries.is_array()) throw WireError("field \"entries\" is not an array");
    for (const json& x : entries) {
      const json& chosen = field(x, "chosen");
      if (!chosen.is_boolean()) throw WireError("field \"chosen\" is not a boolean");
      p.entries.push_back(
          PromiseEntry{u64(x, "s"), ballot_from(x, "b", names), value_from(x, "v"), chosen.get<bool>()});
    }
    e.message = std::move(p);
  } else if (rpc == "nack") {
    e.message = Nack{b, ballot_from(j, "promised", names)};
  } else if (rpc == "accept") {
    e.message = Accept{b, u64(j, "s"), value_from(j, "v"), u64(j, "commit")};
  } else if (rpc == "accepted") {
    e.message = Accepted{b, u64(j, "s")};
  } else if (rpc == "heartbeat") {
    e.message = Heartbeat{b, u64(j, "commit")};
  } else if (rpc == "heartbeat-ack") {
    e.message = HeartbeatAck{b, u64(j, "first_unchosen")};
  } else if (rpc == "learn") {
    Learn l{b, {}};
    const json& entries = field(j, "entries");
    if (!entries.is_array()) throw WireError("field \"entries\" is not an array");
    for (const json& x : entries) l.entries.push_back(ChosenEntry{u64(x, "s"), value_from(x, "v")});
    e.message = std::move(l);
  } else {
    throw WireError("unknown rpc \"" + rpc + "\"");
  }
  return e;
}

std::string encode_record(const PersistRecord& r, const MemberNames& names) {
  json j;
  if (const auto* p = std::get_if<PromiseRecord>(&r)) {
    j = json{{"t", "promise"}, {"b", ballot_to_json(p->ballot, names)}};
  } else if (const auto* a = std::get_if<AcceptRecord>(&r)) {
    j = json{{"t", "accept"}, {"s", a->slot}, {"b", ballot_to_json(a->ballot, names)},
             {"v", value_to_json(a->value)}};
  } else {
    const auto& c = std::get<ChosenRecord>(r);
    j = json{{"t", "chosen"}, {"s", c.slot}, {"v", value_to_json(c.value)}};
  }
  return j.dump();
}

PersistRecord decode_record(const std::string& payload, const MemberNames& names) {
  json j = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw WireError("record is not a JSON object");
  const std::string t = str(j, "t");
  if (t == "promise") return PromiseRecord{ballot_from(j, "b", names)};
  if (t == "accept") return AcceptRecord{u64(j, "s"), ballot_from(j, "b", names), value_from(j, "v")};
  if (t == "chosen") return ChosenRecord{u64(j, "s"), value_from(j, "v")};
  throw WireError("unknown record type \"" + t + "\"");
}

}  // namespace faultline::paxos
