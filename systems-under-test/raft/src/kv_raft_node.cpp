#include "faultline/raft/kv_raft_node.h"

#include "faultline/sut/assert.h"

namespace faultline::raft {

using sut::ErrorCode;
using sut::make_error_reply;
using sut::make_ok_reply;

KvRaftNode::KvRaftNode(RaftConfig config, PersistentState state, KvNodeOptions options)
    : core_(std::move(config), std::move(state)), opts_(std::move(options)) {}

Json KvRaftNode::not_leader_reply(const Json& id) const {
  const NodeId& leader = core_.leader();
  if (leader.empty() || leader == core_.id())
    return make_error_reply(id, ErrorCode::Unavailable, "no leader known; retry later");
  Json r = make_error_reply(id, ErrorCode::NotLeader);
  auto it = opts_.client_addrs.find(leader);
  sut::add_leader_hint(r, leader, it == opts_.client_addrs.end() ? "" : it->second);
  return r;
}

void KvRaftNode::on_request(Token token, const Json& request) {
  Json id = request.is_object() ? request.value("id", Json()) : Json();
  if (auto err = sut::validate_request(request)) {
    early_replies_.push_back({token, make_error_reply(id, ErrorCode::BadRequest, *err)});
    return;
  }
  if (writes_.size() + reads_.size() >= opts_.max_pending_requests) {
    early_replies_.push_back(
        {token, make_error_reply(id, ErrorCode::Unavailable, "too many requests in flight")});
    return;
  }
  const std::string& op = request["op"].get_ref<const std::string&>();
  int64_t deadline = now_tick_ + opts_.request_timeout_ticks;
  if (op == "status") {
    early_replies_.push_back({token, make_ok_reply(id, Json{{"node", core_.id()},
                                                             {"role", to_string(core_.role())},
                                                             {"term", core_.term()},
                                                             {"leader", core_.leader()},
                                                             {"commit", core_.commit_index()},
                                                             {"applied", applied_},
                                                             {"last_index", core_.last_index()}})});
    return;
  }
  if (op == "read") {
    const std::string& key = request["key"].get_ref<const std::string&>();
    if (opts_.stale_read) {  // bug knob: no leadership check, any replica's local state
      early_replies_.push_back({token, make_ok_reply(id, kv_.read(key))});
      return;
    }
    uint64_t rid = next_read_id_++;
    if (!core_.read_index(rid)) {
      early_replies_.push_back({token, not_leader_reply(id)});
      return;
    }
    reads_[rid] = PendingRead{token, id, key, deadline};
    return;
  }
  Json command = request;
  command.erase("id");
  auto index = core_.propose(command.dump());
  if (!index) {
    early_replies_.push_back({token, not_leader_reply(id)});
    return;
  }
  writes_[*index] = PendingWrite{token, id, core_.term(), deadline};
}

void KvRaftNode::on_tick() {
  core_.tick();
  now_tick_++;
  for (auto it = writes_.begin(); it != writes_.end();) {
    if (it->second.deadline_tick <= now_tick_) {
      early_replies_.push_back({it->second.token,
                                make_error_reply(it->second.id, ErrorCode::Timeout,
                                                 "not committed before the deadline; may still apply")});
      it = writes_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = reads_.begin(); it != reads_.end();) {
    if (it->second.deadline_tick <= now_tick_) {
      early_replies_.push_back({it->second.token,
                                make_error_reply(it->second.id, ErrorCode::Timeout,
                                                 "leadership not confirmed before the deadline")});
      it = reads_.erase(it);
    } else {
      ++it;
    }
  }
}

void KvRaftNode::apply(const Entry& e, std::vector<Reply>& out) {
  SUT_ASSERT_MSG(e.index == applied_ + 1, "entries must be applied in order, once");
  applied_ = e.index;
  sut::KvResult result;
  if (!e.command.empty()) result = kv_.apply(Json::parse(e.command));
  auto it = writes_.find(e.index);
  if (it == writes_.end()) return;
  const PendingWrite& w = it->second;
  if (w.term != e.term) {
    // Another leader's entry took this slot, so ours can never commit (log matching).
    out.push_back({w.token, make_error_reply(w.id, ErrorCode::NotLeader,
                                             "proposal superseded by a newer leader; not applied")});
  } else if (result.ok) {
    out.push_back({w.token, make_ok_reply(w.id, std::move(result.value))});
  } else {
    out.push_back({w.token, make_error_reply(w.id, result.error, result.message)});
  }
  writes_.erase(it);
}

void KvRaftNode::serve_reads(std::vector<Reply>& out) {
  for (auto it = reads_.begin(); it != reads_.end();) {
    if (it->second.confirmed && it->second.index <= applied_) {
      out.push_back({it->second.token, make_ok_reply(it->second.id, kv_.read(it->second.key))});
      it = reads_.erase(it);
    } else {
      ++it;
    }
  }
}

KvRaftNode::Output KvRaftNode::flush() {
  Ready ready = core_.ready();
  Output out;
  out.hard_state = std::move(ready.hard_state);
  out.entries = std::move(ready.entries);
  out.messages = std::move(ready.messages);
  out.replies = std::move(early_replies_);
  early_replies_.clear();
  for (const Entry& e : ready.committed) apply(e, out.replies);
  out.applied = std::move(ready.committed);
  for (const ReadState& rs : ready.reads) {
    auto it = reads_.find(rs.request_id);
    if (it == reads_.end()) continue;  // already timed out
    it->second.confirmed = true;
    it->second.index = rs.index;
  }
  for (uint64_t rid : ready.dropped_reads) {
    auto it = reads_.find(rid);
    if (it == reads_.end()) continue;
    out.replies.push_back({it->second.token, not_leader_reply(it->second.id)});
    reads_.erase(it);
  }
  serve_reads(out.replies);
  return out;
}

std::vector<KvRaftNode::Reply> KvRaftNode::abandon_all() {
  std::vector<Reply> out = std::move(early_replies_);
  early_replies_.clear();
  for (auto& [i, w] : writes_)
    out.push_back({w.token, make_error_reply(w.id, ErrorCode::ShuttingDown, "node stopping")});
  for (auto& [i, r] : reads_)
    out.push_back({r.token, make_error_reply(r.id, ErrorCode::ShuttingDown, "node stopping")});
  writes_.clear();
  reads_.clear();
  return out;
}

}  // namespace faultline::raft
