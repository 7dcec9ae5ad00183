// Raft log entries and peer messages, and their JSON wire form (PROTOCOL.md "Peer messages").
//
// One Message struct covers the four RPCs of the paper; members unused by a kind stay zero.
//   vote      term, log_index/log_term = candidate's last entry
//   vote-resp term, reject (true = not granted)
//   app       term, log_index/log_term = entry preceding `entries`, entries, commit, read_ctx
//   app-resp  term, reject, log_index = on success the last index now known to match, on reject
//             the probe's prev index (echoed so stale rejects can be ignored); hint = on reject
//             the follower's guess of the highest index that may match (fast backup);
//             read_ctx echoed (ReadIndex leadership confirmation)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace faultline::raft {

using NodeId = std::string;

struct Entry {
  uint64_t term = 0;
  uint64_t index = 0;
  std::string command;  // opaque to the core; empty = the leader's no-op at the start of a term
  bool operator==(const Entry&) const = default;
};

enum class MsgType { Vote, VoteResp, App, AppResp };

struct Message {
  MsgType type = MsgType::App;
  NodeId from;
  NodeId to;
  uint64_t term = 0;
  uint64_t log_index = 0;
  uint64_t log_term = 0;
  std::vector<Entry> entries;
  uint64_t commit = 0;
  bool reject = false;
  uint64_t hint = 0;
  uint64_t read_ctx = 0;
};

const char* to_string(MsgType t);
nlohmann::json to_json(const Message& m);
// Throws nlohmann::json::exception (or std::invalid_argument for an unknown kind) on bad input.
Message message_from_json(const nlohmann::json& j);

nlohmann::json to_json(const Entry& e);
Entry entry_from_json(const nlohmann::json& j);

}  // namespace faultline::raft
