// RaftCore: the Raft consensus protocol (Ongaro & Ousterhout) as a pure state machine, in the
// style of etcd-io/raft. No sockets, clocks, threads or disks: the driver feeds it inputs
//   tick()            one unit of logical time (the daemon ticks every tick_ms)
//   step(message)     a peer message
//   propose(command)  a client command (leader only)
//   read_index(id)    a linearizable read request (leader only; ReadIndex, §6.4 of the thesis)
// and after any number of inputs calls ready(), which hands back, in this order of obligations:
//   1. persist   hard_state (if set) and entries (truncate the log at entries.front().index,
//                then append), durably (fsync);
//   2. send      messages (only after step 1 completed: votes and acks promise durability);
//   3. apply     committed entries, in index order, to the state machine;
//   4. serve     reads: each ReadState may be answered once entries up to its index are applied;
//                dropped_reads lost leadership before confirmation and must be answered
//                "not-leader".
// Batching many inputs per ready() is how the daemon group-commits: one fsync per batch.
// Asynchronous persistence (config.async_persist): the driver may instead persist in the
// background, as faultline-raftd does with its fsync threads. Then the leader's own copy counts
// towards a commit quorum only up to what the driver reported durable with persisted(index,
// term), and the driver must hold back every message except App (and every other ready()'s
// messages after it) until the persist step of that ready() and of all earlier ones is durable.
// Client replies may leave at once: committed entries are durable on a majority either way.
// Without async_persist the leader counts its whole log, which is correct only because the
// driver handles no input between ready() and the end of its persist step.
//
// Protocol choices: randomized election timeout in [E, 2E) ticks; RequestVote with the
// up-to-date check; AppendEntries with consistency check, conflict truncation and a fast-backup
// hint; per-follower probe/replicate progress; a leader appends a no-op on election and commits
// only current-term entries by counting replicas; a leader steps down when it has not heard from
// a majority for an election timeout (check quorum). Reads: the read index is the commit index
// once the leader has committed in its term; it is served after a heartbeat round started after
// the request is acknowledged by a majority.
//
// Bug knobs (PROTOCOL.md): early_ack makes the leader's commit quorum 1; forget_vote omits
// term/vote from the persisted state and restarts with term = last log term, no vote.
// stale_read is a server-level knob (kv_raft_node.h). Invariants are SUT_ASSERTed.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "faultline/raft/message.h"

namespace faultline::raft {

struct RaftBugs {
  bool early_ack = false;
  bool forget_vote = false;
};

struct RaftConfig {
  NodeId id;
  std::vector<NodeId> members;  // every voter, including id
  int election_ticks = 10;      // base election timeout E
  int heartbeat_ticks = 2;      // must be < election_ticks
  uint64_t seed = 1;            // randomizes election timeouts
  std::size_t max_entries_per_message = 512;
  bool async_persist = false;   // see the header comment: the driver calls persisted()
  RaftBugs bugs;
};

struct HardState {
  uint64_t term = 0;
  NodeId vote;  // empty = none in this term
  bool operator==(const HardState&) const = default;
};

// What survives a crash: the driver reconstructs this from disk and builds a new RaftCore.
struct PersistentState {
  HardState hard;
  std::vector<Entry> log;  // entries 1..n, contiguous
};

struct ReadState {
  uint64_t request_id = 0;
  uint64_t index = 0;
};

struct Ready {
  std::optional<HardState> hard_state;
  std::vector<Entry> entries;
  std::vector<Message> messages;
  std::vector<Entry> committed;
  std::vector<ReadState> reads;
  std::vector<uint64_t> dropped_reads;
  bool empty() const {
    return !hard_state && entries.empty() && messages.empty() && committed.empty() &&
           reads.empty() && dropped_reads.empty();
  }
};

enum class Role { Follower, Candidate, Leader };
const char* to_string(Role r);

class RaftCore {
 public:
  RaftCore(RaftConfig config, PersistentState state);

  void tick();
  void step(const Message& m);
  // Appends the command if leader; returns its index (then watch committed entries for
  // (index, term)). nullopt when not leader.
  std::optional<uint64_t> propose(std::string command);
  // Registers a read; false when not leader (answer not-leader with leader()).
  bool read_index(uint64_t request_id);
  // async_persist only: everything the driver saved up to the entry (index, term) is durable.
  // Ignored when that entry is no longer in the log (truncated since) or already reported.
  void persisted(uint64_t index, uint64_t term);
  Ready ready();

  const NodeId& id() const { return cfg_.id; }
  Role role() const { return role_; }
  uint64_t term() const { return term_; }
  const NodeId& vote() const { return vote_; }
  const NodeId& leader() const { return leader_; }  // empty = unknown
  uint64_t commit_index() const { return commit_; }
  uint64_t durable_index() const { return durable_; }  // async_persist: own log durable up to
  uint64_t last_index() const { return log_.size() - 1; }
  uint64_t term_at(uint64_t index) const { return log_.at(index).term; }
  const Entry& entry(uint64_t index) const { return log_.at(index); }
  std::size_t pending_read_count() const { return reads_.size() + parked_reads_.size(); }

 private:
  struct Progress {
    uint64_t match = 0;
    uint64_t next = 1;
    bool replicate = false;  // false = probe: one message in flight until answered
    uint64_t acked_read_ctx = 0;
    bool recent_active = false;
  };
  struct PendingRead {
    uint64_t request_id;
    uint64_t index;
    uint64_t ctx;
  };

  std::size_t quorum() const { return cfg_.members.size() / 2 + 1; }
  void reset_election_timer();
  void become_follower(uint64_t term, const NodeId& leader);
  void campaign();
  void become_leader();
  void set_hard(uint64_t term, const NodeId& vote);
  void append_local(Entry e);
  void truncate_from(uint64_t index);
  void send(Message m);
  void send_append(const NodeId& to);
  void broadcast_append();
  void maybe_commit();
  void release_reads();
  void drop_reads();
  bool log_up_to_date(uint64_t last_term, uint64_t last_index) const;

  void handle_vote(const Message& m);
  void handle_vote_resp(const Message& m);
  void handle_app(const Message& m);
  void handle_app_resp(const Message& m);

  RaftConfig cfg_;
  std::mt19937_64 rng_;
  // Persistent.
  uint64_t term_ = 0;
  NodeId vote_;
  std::vector<Entry> log_;  // log_[0] is a sentinel {term 0, index 0}
  // Volatile.
  Role role_ = Role::Follower;
  NodeId leader_;
  uint64_t commit_ = 0;
  uint64_t durable_ = 0;  // async_persist: log_[1..durable_] is known durable
  uint64_t applied_ = 0;  // handed out through ready().committed
  int election_elapsed_ = 0;
  int randomized_election_ticks_ = 0;
  int heartbeat_elapsed_ = 0;
  int quorum_check_elapsed_ = 0;
  std::map<NodeId, bool> votes_;
  std::map<NodeId, Progress> progress_;
  bool committed_in_term_ = false;
  uint64_t read_seq_ = 0;
  bool read_round_needed_ = false;
  bool append_pending_ = false;  // proposals not yet sent to replicating peers
  std::vector<PendingRead> reads_;
  std::vector<uint64_t> parked_reads_;  // waiting for the first commit of this term
  // Ready accumulation.
  bool hard_dirty_ = false;
  uint64_t unstable_from_ = UINT64_MAX;
  std::vector<Message> outbox_;
  std::vector<ReadState> ready_reads_;
  std::vector<uint64_t> dropped_reads_;
};

}  // namespace faultline::raft
