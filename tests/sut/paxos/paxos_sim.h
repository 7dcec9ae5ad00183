// PaxosSim: a seeded, deterministic in-memory cluster of PaxosCore nodes for tests.
//
// Time advances in ticks. Every tick: due messages are delivered in random order, every live
// node gets a Tick, idle clients invoke operations, and faults happen at random: messages are
// dropped, duplicated and delayed (which reorders them), partitions come and go, and nodes crash
// and restart from exactly the records they persisted (the driver contract: persist before
// send). Clients propose to the node they believe leads and complete on that node's apply; a
// client whose node crashes or stays silent times out with an indeterminate (info) result.
//
// Safety is checked on EVERY step, by an observer that sees only messages and applies, never
// the cores' internals:
//   - one value chosen per slot: acceptances are tracked per (slot, ballot) from the traffic
//     (Accepted replies to an Accept, a leader's own Accept); a majority for a value = chosen;
//     two different chosen values for one slot, or one ballot carrying two values for a slot,
//     is a violation;
//   - learners agree: every node applies slots consecutively from 0 in each incarnation, and
//     every applied (slot, value) equals what any other node applied there;
//   - no value applied twice in one incarnation;
//   - promises kept: an acceptor's Accepted for a ballot below one it promised (Promise, Nack or
//     an earlier Accepted it sent) in the same incarnation breaks its promise; below one it
//     promised in an earlier incarnation, it forgot the promise over a restart;
// and at the end the client history is checked linearizable against the chosen log
// (check_history). Violations are collected as strings (tests print them and the seed) and as
// kinds (violation_kinds(), check_history's `kinds`), so a bug knob's test can insist on the
// violation the knob causes.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/paxos/paxos_core.h"
#include "faultline/sut/kv_store.h"

namespace faultline::paxos::sim {

enum class Violation {
  TwoValuesChosen,      // a majority accepted two different values for one slot
  ChosenLostByRestart,  // ... and an acceptor in both majorities restarted in between
  BallotTwoValues,      // one ballot carried two values for a slot
  PromiseBroken,        // accepted below its own promise, same incarnation
  PromiseForgotten,     // accepted below a promise of an earlier incarnation
  ApplyOrder,           // a node applied slots out of order
  AppliedUnchosen,      // applied a slot no majority accepted, or another value than chosen
  LearnersDisagree,     // two nodes applied different values at one slot
  AppliedTwice,         // one value applied twice in one incarnation
  ChosenInTwoSlots,     // history: one client value in two slots of the log
  RejectedTookEffect,   // history: an op answered not-leader is in the log
  AckedOpLost,          // history: an acknowledged op is missing from the chosen log
  WrongResult,          // history: an op returned what the log does not give it
  RealTimeOrder,        // history: the log order contradicts real time
};
const char* to_string(Violation v);

struct SimOptions {
  uint64_t seed = 1;
  std::size_t nodes = 3;
  std::size_t clients = 4;
  uint64_t ticks = 3000;           // faulty phase
  uint64_t quiet_ticks = 600;      // healed phase at the end (all nodes up, no faults)
  double drop = 0.05;
  double duplicate = 0.03;
  uint32_t max_delay_ticks = 6;    // messages take 1..max_delay ticks (reordering)
  double crash_per_tick = 0.004;   // per tick: crash a random live node
  double restart_per_tick = 0.02;  // per tick: restart a random crashed node
  double partition_per_tick = 0.004;
  double heal_per_tick = 0.01;
  double invoke_per_tick = 0.3;    // per idle client
  uint32_t client_timeout_ticks = 80;
  std::size_t keys = 3;
  // Mixed: read/write/cas/append and txns of them. Registers: read/write/cas with non-null
  // expected values. Lists: append of unique integers / read on list keys. The last two are
  // what the checker library's per-key `kv` model understands (lists as concatenated strings).
  enum class Workload { Mixed, Registers, Lists } workload = Workload::Mixed;
  Bugs bugs;
};

// One client operation in the history.
struct SimOp {
  uint64_t process = 0;
  std::string value_id;
  nlohmann::json request;  // a PROTOCOL.md request without "id": read/write/cas/append/txn
  uint64_t invoke_tick = 0;    // global event order (invocations and completions interleaved)
  uint64_t complete_tick = 0;  // same order; 0 while pending
  uint64_t invoke_tick_raw = 0;  // simulated tick, for client timeouts
  enum class Type { Pending, Ok, Fail, Info } type = Type::Pending;
  nlohmann::json result;  // ok: the value returned (reads) or null
};

// The replicated state machine of the sim: the daemons' own KvStore (read, write, cas, append,
// txn), with results as {"ok":true,"value":v} or {"ok":false,"error":"cas-mismatch"}.
struct SimKv {
  sut::KvStore store;
  nlohmann::json apply(const nlohmann::json& request);
};

class PaxosSim {
 public:
  explicit PaxosSim(SimOptions options);
  // Runs the faulty phase then the quiet phase; returns violations found (empty = safe).
  std::vector<std::string> run();

  const std::vector<SimOp>& history() const { return history_; }
  // For tests of check_history itself (tampering must be detected).
  std::vector<SimOp>& mutable_history() { return history_; }
  const std::map<Slot, Value>& chosen_log() const { return global_chosen_; }
  uint64_t ok_ops() const;
  uint64_t leader_elections() const { return elections_; }
  // After run(): every node up, exactly one leader, all nodes applied the same prefix.
  std::vector<std::string> liveness_problems() const;
  // Kinds of the violations run() found.
  const std::set<Violation>& violation_kinds() const { return kinds_; }
  // Linearizability of the client history against the chosen log (see header comment); the
  // kinds of the problems found are added to *kinds when given.
  std::vector<std::string> check_history(std::set<Violation>* kinds = nullptr) const;

 private:
  struct InFlight {
    uint64_t deliver_tick;
    Envelope envelope;
  };
  struct Node {
    std::optional<PaxosCore> core;
    std::vector<PersistRecord> disk;
    uint64_t incarnation = 0;
    SimKv kv;
    Slot next_apply = 0;
    std::set<std::string> applied_ids;
    std::map<std::string, std::size_t> pending;  // value id -> history index
    Ballot promised;          // highest promise seen sent in this incarnation
    Ballot promised_before;   // highest promise of any earlier incarnation
  };
  struct Client {
    uint64_t process = 0;
    std::optional<std::size_t> op;  // history index of the outstanding op
    NodeId target = 0;
  };

  void tick_once(bool faults, bool invoke);
  void handle(NodeId id, const Input& input);
  void process_outputs(NodeId id, const Input& input, Outputs out);
  void observe_acceptance(NodeId acceptor, Slot slot, const Ballot& b, const Value& v);
  void observe_promises(NodeId id, const Outputs& out);
  void enqueue(const Envelope& e, bool faults);
  void crash(NodeId id);
  void restart(NodeId id);
  void client_step(Client& c, bool invoke);
  void complete(std::size_t op_index, SimOp::Type type, nlohmann::json result);
  Config config_for(NodeId id, uint64_t incarnation) const;
  void violation(Violation kind, std::string what);
  bool connected(NodeId a, NodeId b) const;

  SimOptions options_;
  std::mt19937_64 rng_;
  uint64_t now_ = 0;
  std::vector<Node> nodes_;
  std::vector<Client> clients_;
  std::vector<InFlight> network_;
  std::set<std::pair<NodeId, NodeId>> cut_;  // directed links that drop everything
  std::vector<SimOp> history_;
  uint64_t next_process_ = 0;
  uint64_t next_value_seq_ = 0;
  uint64_t elections_ = 0;
  uint64_t event_ = 0;
  // Observer state.
  struct Acceptance {
    Value value;
    std::map<NodeId, uint64_t> acceptors;  // -> its incarnation when it accepted
  };
  std::map<std::pair<Slot, Ballot>, Acceptance> acceptances_;
  std::map<Slot, Value> global_chosen_;   // chosen per the acceptance observer
  std::map<Slot, Ballot> chosen_ballot_;  // the ballot of that first choice
  std::map<Slot, Value> global_applied_;  // first value any node applied at each slot
  std::vector<std::string> violations_;
  std::set<Violation> kinds_;
};

}  // namespace faultline::paxos::sim
