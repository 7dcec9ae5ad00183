// Messages between Multi-Paxos nodes, and the records an acceptor persists.
//
// Phase 1 (once per leadership, for all future slots):
//   Prepare{b, from_slot}        candidate -> all: "promise b; tell me what you accepted >= from_slot"
//   Promise{b, entries, ...}     acceptor -> candidate: promised b; its accepted/chosen entries
//   Nack{b, promised}            acceptor -> proposer: b is below what I promised
// Phase 2 (per slot, while the leader is stable):
//   Accept{b, slot, value, commit}  leader -> all; commit = leader's first unchosen slot
//   Accepted{b, slot}               acceptor -> leader, sent only after the accept is persisted
// Leadership and learning:
//   Heartbeat{b, commit}            leader -> all, every heartbeat period
//   HeartbeatAck{b, first_unchosen} follower -> leader: proves a quorum still follows b and says
//                                   how far the follower has learned
//   Learn{b, entries}               leader -> lagging follower: chosen (slot, value) pairs
//
// PersistRecord is what the driver must make durable BEFORE it sends any message produced in
// the same step (see PaxosCore::Outputs): a promise, an accepted (slot, ballot, value) or a
// learned chosen (slot, value).
#pragma once
#include <variant>
#include <vector>

#include "faultline/paxos/ballot.h"

namespace faultline::paxos {

struct PromiseEntry {
  Slot slot = 0;
  Ballot ballot;  // ballot the value was accepted in (none when only known as chosen)
  Value value;
  bool chosen = false;
};

struct ChosenEntry {
  Slot slot = 0;
  Value value;
};

struct Prepare {
  Ballot ballot;
  Slot from_slot = 0;
};
struct Promise {
  Ballot ballot;
  std::vector<PromiseEntry> entries;  // slots >= the prepare's from_slot, ascending
};
struct Nack {
  Ballot ballot;    // the rejected ballot
  Ballot promised;  // what the acceptor has promised instead
};
struct Accept {
  Ballot ballot;
  Slot slot = 0;
  Value value;
  Slot commit = 0;
};
struct Accepted {
  Ballot ballot;
  Slot slot = 0;
};
struct Heartbeat {
  Ballot ballot;
  Slot commit = 0;
};
struct HeartbeatAck {
  Ballot ballot;
  Slot first_unchosen = 0;
};
struct Learn {
  Ballot ballot;
  std::vector<ChosenEntry> entries;
};

using Message = std::variant<Prepare, Promise, Nack, Accept, Accepted, Heartbeat, HeartbeatAck,
                             Learn>;

struct Envelope {
  NodeId from = 0;
  NodeId to = 0;
  Message message;
};

struct PromiseRecord {
  Ballot ballot;
};
struct AcceptRecord {
  Slot slot = 0;
  Ballot ballot;
  Value value;
};
struct ChosenRecord {
  Slot slot = 0;
  Value value;
};
using PersistRecord = std::variant<PromiseRecord, AcceptRecord, ChosenRecord>;

}  // namespace faultline::paxos
