// JSON encoding of Multi-Paxos peer messages and persisted records (paxos section of
// systems-under-test/PROTOCOL.md). Peer lines carry "rpc" (the message kind) and "from" (the
// sender's node id string); node ids map to core NodeIds by their index in the sorted member
// list, which every node computes identically from --id and --peers.
//
//   ballot  [round, "n2"]              value  {"id": "n1.7.42", "cmd": "<client request json>"}
//                                             (no-op: {"id": ""})
//   {"rpc":"prepare","from":"n1","b":B,"from_slot":7}
//   {"rpc":"promise","from":"n2","b":B,"entries":[{"s":7,"b":B,"v":V,"chosen":false},...]}
//   {"rpc":"nack","from":"n2","b":B,"promised":B}
//   {"rpc":"accept","from":"n1","b":B,"s":8,"v":V,"commit":8}
//   {"rpc":"accepted","from":"n2","b":B,"s":8}
//   {"rpc":"heartbeat","from":"n1","b":B,"commit":9}
//   {"rpc":"heartbeat-ack","from":"n2","b":B,"first_unchosen":9}
//   {"rpc":"learn","from":"n1","b":B,"entries":[{"s":3,"v":V},...]}
// Records on disk: {"t":"promise","b":B} | {"t":"accept","s":..,"b":B,"v":V} |
//                  {"t":"chosen","s":..,"v":V}
// Decoding throws WireError naming the field on malformed input (a daemon drops such a line).
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/paxos/messages.h"

namespace faultline::paxos {

class WireError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Sorted member names; NodeId i <-> names[i].
class MemberNames {
 public:
  explicit MemberNames(std::vector<std::string> names);
  const std::string& name(NodeId id) const;
  NodeId id(const std::string& name) const;  // throws WireError for an unknown name
  std::size_t size() const { return names_.size(); }
  std::vector<NodeId> ids() const;

 private:
  std::vector<std::string> names_;
};

nlohmann::json encode_message(const Envelope& e, const MemberNames& names);
// Returns the envelope addressed to `self`.
Envelope decode_message(const nlohmann::json& j, NodeId self, const MemberNames& names);

std::string encode_record(const PersistRecord& r, const MemberNames& names);
PersistRecord decode_record(const std::string& payload, const MemberNames& names);

nlohmann::json ballot_to_json(const Ballot& b, const MemberNames& names);

}  // namespace faultline::paxos
