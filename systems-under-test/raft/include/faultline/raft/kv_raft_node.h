// KvRaftNode: one Raft replica of the key-value service, still pure (no I/O). It joins a
// RaftCore with the KvStore state machine and the bookkeeping of client requests, so the
// daemon and the simulation tests run exactly the same request logic:
//   on_request(token, request)  a parsed client request; token says where the reply goes
//   on_message / on_tick        forwarded to the core (ticks also expire client deadlines)
//   flush()                     drains the core: returns what to persist, what to send and the
//                               client replies. The driver must persist, then send, then reply.
// Writes, cas, append and txn go through the log; the reply is produced when the entry is
// applied (on whatever role the node then has). Reads use ReadIndex. Followers answer
// not-leader with the leader hint; unknown leader = unavailable (both definite: nothing was
// proposed). A proposal whose slot was taken by another leader's entry fails definitely; one
// still unresolved at its deadline answers timeout (indeterminate).
// Bug knob stale_read: every node answers reads at once from its local state.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "faultline/raft/raft_core.h"
#include "faultline/sut/kv_store.h"

namespace faultline::raft {

using sut::Json;

struct KvNodeOptions {
  bool stale_read = false;
  int request_timeout_ticks = 200;
  std::map<NodeId, std::string> client_addrs;  // node id -> host:port, for leader hints
  std::size_t max_pending_requests = 100000;   // beyond: answer unavailable (bounded memory)
};

class KvRaftNode {
 public:
  using Token = uint64_t;
  struct Reply {
    Token token;
    Json body;
  };
  struct Output {
    std::optional<HardState> hard_state;
    std::vector<Entry> entries;
    std::vector<Message> messages;
    std::vector<Reply> replies;
    std::vector<Entry> applied;  // entries applied in this flush (for observers and tests)
  };

  KvRaftNode(RaftConfig config, PersistentState state, KvNodeOptions options);

  void on_request(Token token, const Json& request);
  void on_message(const Message& m) { core_.step(m); }
  // RaftConfig::async_persist: the driver's background fsync made entries up to (index, term)
  // durable (may let the leader commit; call flush() afterwards).
  void on_persisted(uint64_t index, uint64_t term) { core_.persisted(index, term); }
  void on_tick();
  Output flush();
  // Answers every pending request with shutting-down (indeterminate) before a clean stop.
  std::vector<Reply> abandon_all();

  const RaftCore& core() const { return core_; }
  const sut::KvStore& kv() const { return kv_; }
  uint64_t applied_index() const { return applied_; }

 private:
  struct PendingWrite {
    Token token;
    Json id;
    uint64_t term;
    int64_t deadline_tick;
  };
  struct PendingRead {
    Token token;
    Json id;
    std::string key;
    int64_t deadline_tick;
    uint64_t index = 0;  // set once the core confirmed it (ReadState)
    bool confirmed = false;
  };

  Json not_leader_reply(const Json& id) const;
  void apply(const Entry& e, std::vector<Reply>& out);
  void serve_reads(std::vector<Reply>& out);

  RaftCore core_;
  KvNodeOptions opts_;
  sut::KvStore kv_;
  uint64_t applied_ = 0;
  int64_t now_tick_ = 0;
  uint64_t next_read_id_ = 1;
  std::map<uint64_t, PendingWrite> writes_;  // by log index
  std::map<uint64_t, PendingRead> reads_;    // by read request id
  std::vector<Reply> early_replies_;         // produced outside flush (rejections, stale reads)
};

}  // namespace faultline::raft
