// PaxosCore: one Multi-Paxos node (proposer + acceptor + learner) as a pure state machine.
//
// No sockets, clocks or disks: the driver feeds inputs to step() — a message from a peer, a
// tick of logical time, or a client value to propose — and carries out the returned Outputs
// in this order:
//   1. make every `persist` record durable (fsync),
//   2. then deliver every `send` envelope (unreliably is fine: Paxos tolerates loss,
//      duplication, delay and reordering),
//   3. then hand every `apply` entry to the state machine (they come in slot order, each slot
//      exactly once per incarnation, starting at slot 0 after recovery),
//   4. and answer every `rejected` proposal (definite: the value was never proposed).
// An acceptor therefore never replies before its promise / acceptance is on disk.
// Exception allowed to drivers: ChosenRecords may be made durable lazily (a crash that loses one
// only makes the node re-learn that slot, since the value is durable at a majority).
//
// Protocol (Lamport's "Paxos Made Simple" §3, one phase 1 for all slots):
//  - A node whose election timer expires picks a ballot (round above every round it has seen,
//    its node index) and sends Prepare(b, first unchosen slot). Acceptors promise b if it is
//    above what they promised and report every accepted (and known-chosen) entry from that slot.
//  - With promises from a majority the node is leader (distinguished proposer). It adopts
//    chosen entries, re-proposes in b the highest-ballot accepted value of every open slot,
//    fills gaps with no-ops, and then runs only phase 2 for new values while stable.
//  - A value is chosen when a majority accepted it in the leader's ballot. Followers learn
//    chosen slots from the commit index in Accept/Heartbeat (if they accepted the same ballot)
//    or from Learn messages the leader pushes when a HeartbeatAck shows they lag.
//  - Leadership: heartbeats every heartbeat_ticks; a follower that hears nothing for a
//    randomized election timeout starts phase 1; a leader that has not heard from a majority for
//    election_timeout_max_ticks, or sees a higher ballot, steps down.
//
// Bug knobs (Bugs) deliberately break safety so the test suite can show it catches them.
// Not thread-safe; one owner. Memory grows with the log (no compaction).
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "faultline/paxos/ballot.h"
#include "faultline/paxos/messages.h"

namespace faultline::paxos {

struct Bugs {
  bool no_persist = false;          // acceptor state kept only in memory: nothing is persisted
  bool skip_promise_check = false;  // acceptors accept Accept messages with lower ballots
  bool any() const { return no_persist || skip_promise_check; }
};

struct Config {
  NodeId id = 0;
  std::vector<NodeId> members;  // every node including id; majority = members.size()/2 + 1
  uint32_t heartbeat_ticks = 2;
  uint32_t election_timeout_min_ticks = 10;
  uint32_t election_timeout_max_ticks = 20;
  std::size_t max_inflight = 1024;  // open slots the leader proposes before rejecting new values
  std::size_t learn_batch = 256;    // chosen entries per Learn message
  uint64_t seed = 1;                // randomized election timeouts
  Bugs bugs;
};

struct Tick {};
struct Receive {
  NodeId from = 0;
  Message message;
};
struct Propose {
  Value value;
};
using Input = std::variant<Tick, Receive, Propose>;

enum class RejectReason { NotLeader, Busy };

struct Rejection {
  std::string value_id;
  RejectReason reason = RejectReason::NotLeader;
  std::optional<NodeId> leader_hint;
};

struct Outputs {
  std::vector<PersistRecord> persist;
  std::vector<Envelope> send;
  std::vector<ChosenEntry> apply;
  std::vector<Rejection> rejected;
  bool empty() const { return persist.empty() && send.empty() && apply.empty() && rejected.empty(); }
};

class PaxosCore {
 public:
  enum class Role { Follower, Candidate, Leader };

  // Rebuilds acceptor and learner state from records previously emitted in Outputs::persist,
  // in the order they were made durable.
  explicit PaxosCore(Config config, const std::vector<PersistRecord>& recovered = {});

  // Applies for the chosen prefix recovered from disk; call once before the first step().
  Outputs start();
  Outputs step(const Input& input);

  NodeId id() const { return config_.id; }
  Role role() const { return role_; }
  bool is_leader() const { return role_ == Role::Leader; }
  Ballot ballot() const { return role_ == Role::Follower ? promised_ : ballot_; }
  Ballot promised() const { return promised_; }
  Slot first_unchosen() const { return first_unchosen_; }
  std::optional<NodeId> leader_hint() const { return leader_hint_; }
  const std::map<Slot, Value>& chosen() const { return chosen_; }
  std::size_t inflight() const { return proposals_.size(); }
  uint64_t conflicting_learns() const { return conflicting_learns_; }
  const Config& config() const { return config_; }

 private:
  struct AcceptedValue {
    Ballot ballot;
    Value value;
  };
  struct Proposal {
    Value value;
    std::set<NodeId> acks;
    uint64_t last_sent_tick = 0;
  };

  void on_tick(Outputs& out);
  void on_propose(const Value& value, Outputs& out);
  void on_prepare(NodeId from, const Prepare& m, Outputs& out);
  void on_promise(NodeId from, const Promise& m, Outputs& out);
  void on_nack(NodeId from, const Nack& m, Outputs& out);
  void on_accept(NodeId from, const Accept& m, Outputs& out);
  void on_accepted(NodeId from, const Accepted& m, Outputs& out);
  void on_heartbeat(NodeId from, const Heartbeat& m, Outputs& out);
  void on_heartbeat_ack(NodeId from, const HeartbeatAck& m, Outputs& out);
  void on_learn(const Learn& m, Outputs& out);

  void start_phase1(Outputs& out);
  void become_leader(Outputs& out);
  void step_down(std::optional<NodeId> hint);
  void follow(const Ballot& leader_ballot);
  void propose_in_slot(Slot slot, const Value& value, Outputs& out);
  void check_chosen(Slot slot, Outputs& out);
  void learn(Slot slot, const Value& value, Outputs& out);
  void learn_up_to(Slot commit, const Ballot& ballot, Outputs& out);
  void broadcast(const Message& m, Outputs& out) const;
  void send(NodeId to, Message m, Outputs& out) const;
  void persist(PersistRecord r, Outputs& out) const;
  void observe(const Ballot& b) { max_round_seen_ = std::max(max_round_seen_, b.round); }
  void reset_election_timer();
  std::vector<PromiseEntry> entries_from(Slot from_slot) const;
  std::size_t majority() const { return config_.members.size() / 2 + 1; }
  bool is_member(NodeId n) const;

  Config config_;
  std::mt19937_64 rng_;
  uint64_t now_tick_ = 0;

  // Acceptor (durable unless bugs.no_persist).
  Ballot promised_;
  std::map<Slot, AcceptedValue> accepted_;  // open slots only; chosen ones move to chosen_
  // Learner.
  std::map<Slot, Value> chosen_;
  Slot first_unchosen_ = 0;
  std::vector<ChosenEntry> recovered_apply_;
  uint64_t conflicting_learns_ = 0;

  // Proposer.
  Role role_ = Role::Follower;
  Ballot ballot_;  // own ballot while candidate / leader
  uint64_t max_round_seen_ = 0;
  std::optional<NodeId> leader_hint_;
  uint64_t last_heard_tick_ = 0;
  uint64_t election_deadline_ticks_ = 0;
  uint64_t last_heartbeat_tick_ = 0;
  std::map<NodeId, std::vector<PromiseEntry>> promises_;  // candidate only
  Slot prepare_from_ = 0;
  std::map<Slot, Proposal> proposals_;  // leader only: open slots proposed in ballot_
  Slot next_slot_ = 0;
  std::map<NodeId, uint64_t> last_ack_tick_;  // leader only
};

const char* to_string(PaxosCore::Role role);

}  // namespace faultline::paxos
