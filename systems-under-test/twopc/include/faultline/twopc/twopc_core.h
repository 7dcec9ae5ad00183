// TwoPcCore: the pure two-phase-commit protocol of faultline-2pcd (no sockets, clocks or disks).
//
// Every node is a participant owning the keys whose hash falls on it (shard_of) and the
// coordinator of the requests its own clients send. Inputs are client requests, peer messages
// (JSON objects with "rpc") and clock ticks; each returns Outputs, which the driver must handle
// in this order: append `persist` records to the durable log and fsync them (`lazy` records may
// be written without waiting), THEN send `send` (a message to this node itself is delivered
// back through on_message), THEN answer `replies`. Nothing that depends on a record leaves
// before the record is durable, so a crash at any point is equivalent to a crash before the
// outputs were produced.
//
// Protocol (presumed abort):
//   coordinator: groups a request's micro-ops by shard, sends `prepare` to each participant,
//     collects `vote`s. All yes: writes a durable `decision` record, then sends `decide` commit
//     and answers the client with the reads the votes carried. A no vote (lock conflict, cas
//     mismatch) or no vote within vote_timeout_ticks: sends `decide` abort (not logged) and
//     answers a definite error. Resends commit until every participant `ack`s, then logs
//     `end` (lazy). `query` for a txn it knows committed -> commit; for one it has never heard
//     of -> abort (presumed abort); while still collecting votes -> no answer yet.
//   participant: on `prepare`, takes every lock at once (strict 2PL, shared for keys only
//     read, exclusive for keys written); while any is held by another txn the prepare waits,
//     retried whenever locks are released, and votes no after lock_wait_ticks (so a deadlock
//     across shards ends in aborts, never in a hang). It then evaluates the
//     micro-ops on its shard (reads see the txn's own earlier writes; a cas mismatch = vote
//     no), writes a durable `prepare` record (final values + locks + read results) and votes
//     yes. On `decide`: commit = durable `commit` record, install values; abort = durable
//     `abort` record; releases the locks and acks. A prepared txn with no decision after
//     query_after_ticks sends `query` to its coordinator every retry_ticks, for ever: while the
//     coordinator is down the locks stay held and conflicting txns fail (unavailability).
//   recovery: replaying the log restores committed data, prepared txns (locks re-taken,
//     query at once), and coordinator decisions not yet `end`ed (commit resent at start()).
//     A txn the coordinator had not decided before its crash is aborted (presumed abort).
//
// Bugs (Config::bugs): no_decision_log = the decision record is not written, so a restarted
//   coordinator answers abort for txns it committed (commit on some shards, abort on others);
//   early_release = shared locks are released as soon as the vote is sent (write skew, G2);
//   presume_commit = a prepared participant with no decision after presume_commit_ticks commits
//   on its own.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/sut/protocol.h"

namespace faultline::twopc {

using Json = nlohmann::json;

struct Bugs {
  bool no_decision_log = false;
  bool early_release = false;
  bool presume_commit = false;
};

struct Config {
  std::string id;
  std::vector<std::string> members;  // every node including id; shards follow this order
  Bugs bugs;
  std::string nonce;                 // unique per incarnation: txids never repeat across restarts
  uint32_t vote_timeout_ticks = 50;
  uint32_t query_after_ticks = 30;
  uint32_t retry_ticks = 10;
  uint32_t presume_commit_ticks = 30;
  uint32_t lock_wait_ticks = 5;  // a prepare waits this long for held locks, then votes no
  std::size_t max_inflight = 10000;      // coordinated txns; beyond: `unavailable`
};

struct Envelope {
  std::string to;
  Json msg;
};

// Reply to the client request with handle `request` (the driver's own numbering).
struct ClientReply {
  uint64_t request = 0;
  bool ok = true;
  Json value;
  sut::ErrorCode error = sut::ErrorCode::Unavailable;
  std::string message;
};

// A participant installed (commit) or dropped (abort) its part of txn `txid`: the simulation's
// atomicity oracle listens to these.
struct Outcome {
  std::string txid;
  bool commit = false;
};

struct Outputs {
  std::vector<std::string> persist;  // fsync before anything below leaves
  std::vector<std::string> lazy;     // may be written without fsync
  std::vector<Envelope> send;
  std::vector<ClientReply> replies;
  std::vector<Outcome> outcomes;
  bool empty() const {
    return persist.empty() && lazy.empty() && send.empty() && replies.empty() && outcomes.empty();
  }
  void merge(Outputs&& o);
};

// The shard (member index) owning `key`: FNV-1a of the key modulo the member count.
std::size_t shard_of(const std::string& key, std::size_t members);

class TwoPcCore {
 public:
  // Rebuilds the state from the log's records (oldest first). Throws std::runtime_error on a
  // record it cannot decode.
  TwoPcCore(Config config, const std::vector<std::string>& records);

  // After recovery: resend pending commits, query coordinators of prepared txns.
  Outputs start();
  // A validated client request (read, write, cas, append, txn; not status).
  Outputs on_client(uint64_t request, const Json& req);
  // A peer message; malformed ones are dropped and counted.
  Outputs on_message(const Json& msg);
  Outputs on_tick();
  // The driver gave up on a client (connection closed): no reply will be wanted.
  void forget_client(uint64_t request);

  Json status() const;
  std::size_t coordinating() const { return coord_.size(); }
  const std::map<std::string, Json>& data() const { return data_; }
  uint64_t bad_messages() const { return bad_messages_; }
  const std::string& id() const { return cfg_.id; }

 private:
  struct Part {  // one participant of a coordinated txn
    std::vector<std::size_t> indexes;  // positions of its micro-ops in the request
    bool voted = false;
  };
  struct CoordTxn {
    std::optional<uint64_t> client;
    std::string shape;  // request op: "txn" or the single op's name
    Json ops;           // micro-ops in request order
    Json results;       // per micro-op, filled by yes votes
    std::map<std::string, Part> parts;
    bool decided = false;  // commit decided (abort = erased at once)
    std::set<std::string> unacked;
    uint32_t age = 0;
    uint32_t since_send = 0;
  };
  struct Prepared {  // participant side
    std::string coord;
    Json writes;  // key -> final value
    std::map<std::string, char> locks;  // key -> 'x' | 's'
    Json results;  // [[index, result], ...] as voted
    uint32_t age = 0;
    uint32_t since_query = 0;
  };
  struct Lock {
    std::string exclusive;
    std::set<std::string> shared;
  };

  // coordinator.cpp
  Outputs begin(uint64_t request, const Json& ops, const std::string& shape);
  Outputs on_vote(const std::string& from, const Json& msg);
  Outputs on_ack(const std::string& from, const Json& msg);
  Outputs on_query(const std::string& from, const Json& msg);
  void decide_abort(const std::string& txid, sut::ErrorCode code, const std::string& why,
                    Outputs& out);
  void decide_commit(const std::string& txid, Outputs& out);
  void coord_tick(Outputs& out);
  Json client_value(const CoordTxn& t) const;

  // participant.cpp
  Outputs on_prepare(const std::string& from, const Json& msg);
  bool prepare_now(const std::string& from, const Json& msg, Outputs& out);
  void retry_waiting(Outputs& out, bool tick);
  Outputs on_decide(const std::string& from, const Json& msg);
  void finish(const std::string& txid, bool commit, Outputs& out);
  bool try_lock(const std::string& txid, const std::map<std::string, char>& want);
  void unlock(const std::string& txid, const std::map<std::string, char>& held, bool shared_only);
  void participant_tick(Outputs& out);
  void replay(const Json& record);

  Json msg(const std::string& rpc, const std::string& to, const std::string& txid) const;

  Config cfg_;
  uint64_t next_seq_ = 0;
  std::map<std::string, Json> data_;
  std::map<std::string, Lock> locks_;
  std::map<std::string, Prepared> prepared_;
  std::set<std::string> done_;                // participant: txids committed or aborted here
  struct Waiting {
    std::string from;
    Json msg;
    uint32_t age = 0;
  };
  std::map<std::string, Waiting> waiting_;    // participant: prepares waiting for locks
  std::map<std::string, CoordTxn> coord_;     // coordinator: in flight (voting or committing)
  std::set<std::string> committed_;           // coordinator: decided commit (durable unless bug)
  std::map<uint64_t, std::string> client_txn_;  // request handle -> txid
  uint64_t bad_messages_ = 0;
  uint64_t commits_ = 0, aborts_ = 0, presumed_ = 0;
};

}  // namespace faultline::twopc
