// Ballot and Value: the two data types every Multi-Paxos message talks about.
//
// A Ballot is (round, node): totally ordered, round first, the proposer's node index breaking
// ties, so two proposers never own the same ballot. Ballot{} (0, 0) is "none": lower than every
// ballot a proposer ever uses (rounds start at 1).
//
// A Value is what a slot of the replicated log holds: either a no-op (used by a new leader to
// fill gaps it found no accepted value for) or a client command. The core never interprets the
// payload; `id` is unique per proposal (node, incarnation, sequence) so the state machine layer
// can match a chosen value to the client waiting for it.
#pragma once
#include <compare>
#include <cstdint>
#include <string>

namespace faultline::paxos {

using NodeId = uint32_t;  // index into the sorted member list, identical on every node
using Slot = uint64_t;

struct Ballot {
  uint64_t round = 0;
  NodeId node = 0;
  auto operator<=>(const Ballot&) const = default;
  bool is_none() const { return round == 0; }
};

struct Value {
  std::string id;       // empty = no-op
  std::string payload;  // opaque to the core (the daemon stores the client request JSON)
  bool is_noop() const { return id.empty(); }
  bool operator==(const Value&) const = default;
  static Value noop() { return Value{}; }
};

}  // namespace faultline::paxos
