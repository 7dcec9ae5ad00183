#include "faultline/raft/raft_core.h"

#include <algorithm>

#include "faultline/sut/assert.h"

namespace faultline::raft {

const char* to_string(Role r) {
  switch (r) {
    case Role::Follower: return "follower";
    case Role::Candidate: return "candidate";
    case Role::Leader: return "leader";
  }
  return "?";
}

RaftCore::RaftCore(RaftConfig config, PersistentState state)
    : cfg_(std::move(config)), rng_(cfg_.seed) {
  SUT_ASSERT(cfg_.heartbeat_ticks > 0 && cfg_.heartbeat_ticks < cfg_.election_ticks);
  SUT_ASSERT(std::count(cfg_.members.begin(), cfg_.members.end(), cfg_.id) == 1);
  log_.push_back(Entry{});
  for (auto& e : state.log) {
    SUT_ASSERT_MSG(e.index == log_.size(), "persisted log is not contiguous");
    log_.push_back(std::move(e));
  }
  if (cfg_.bugs.forget_vote) {
    // Bug: nothing about term/vote was persisted; the best a restarted node can do is the term
    // of its last entry, with no memory of having voted in it.
    term_ = log_.back().term;
  } else {
    term_ = state.hard.term;
    vote_ = state.hard.vote;
  }
  SUT_ASSERT_MSG(log_.back().term <= term_, "log holds an entry from a future term");
  durable_ = last_index();  // recovered from disk
  for (const auto& m : cfg_.members) progress_[m] = Progress{};
  reset_election_timer();
}

// ---------------------------------------------------------------- inputs

void RaftCore::tick() {
  if (role_ == Role::Leader) {
    if (++heartbeat_elapsed_ >= cfg_.heartbeat_ticks) {
      heartbeat_elapsed_ = 0;
      broadcast_append();
    }
    if (++quorum_check_elapsed_ >= cfg_.election_ticks) {
      quorum_check_elapsed_ = 0;
      std::size_t active = 1;
      for (auto& [id, pr] : progress_) {
        if (id != cfg_.id && pr.recent_active) active++;
        pr.recent_active = false;
      }
      // Check quorum: a leader cut off from a majority steps down so clients get redirected
      // instead of timing out against it.
      if (active < quorum()) become_follower(term_, NodeId{});
    }
    return;
  }
  if (++election_elapsed_ >= randomized_election_ticks_) campaign();
}

void RaftCore::step(const Message& m) {
  SUT_ASSERT(m.to == cfg_.id);
  if (m.term > term_) {
    // A newer term: whoever sent it, we are now a follower of that term. Only an app carries
    // proof of who leads it.
    become_follower(m.term, m.type == MsgType::App ? m.from : NodeId{});
  } else if (m.term < term_) {
    // Stale sender: tell it our term so it steps down; ignore stale responses.
    if (m.type == MsgType::Vote) {
      send(Message{.type = MsgType::VoteResp, .to = m.from, .reject = true});
    } else if (m.type == MsgType::App) {
      send(Message{.type = MsgType::AppResp, .to = m.from, .log_index = m.log_index,
                   .reject = true, .hint = last_index()});
    }
    return;
  }
  switch (m.type) {
    case MsgType::Vote: handle_vote(m); break;
    case MsgType::VoteResp: handle_vote_resp(m); break;
    case MsgType::App: handle_app(m); break;
    case MsgType::AppResp: handle_app_resp(m); break;
  }
}

std::optional<uint64_t> RaftCore::propose(std::string command) {
  if (role_ != Role::Leader) return std::nullopt;
  uint64_t index = last_index() + 1;
  append_local(Entry{term_, index, std::move(command)});
  progress_[cfg_.id].match = index;
  // Peers in the replicate state get the new entries at the next ready(), so a batch of
  // proposals leaves as one message per peer; probes wait for answers.
  append_pending_ = true;
  maybe_commit();
  return index;
}

bool RaftCore::read_index(uint64_t request_id) {
  if (role_ != Role::Leader) return false;
  if (!committed_in_term_) {
    parked_reads_.push_back(request_id);
  } else {
    reads_.push_back(PendingRead{request_id, commit_, read_seq_ + 1});
    read_round_needed_ = true;
    release_reads();  // single-node cluster: already a quorum
  }
  return true;
}

void RaftCore::persisted(uint64_t index, uint64_t term) {
  if (index <= durable_ || index > last_index() || log_[index].term != term) return;
  // Same (index, term) => same entries up to index (log matching), so the prefix is durable.
  durable_ = index;
  if (role_ == Role::Leader) maybe_commit();
}

Ready RaftCore::ready() {
  if (read_round_needed_ && role_ == Role::Leader) {
    // One heartbeat round confirms leadership for every read registered since the last one.
    read_round_needed_ = false;
    read_seq_++;
    broadcast_append();
  }
  if (append_pending_ && role_ == Role::Leader) {
    for (auto& [id, pr] : progress_)
      if (id != cfg_.id && pr.replicate && pr.next <= last_index()) send_append(id);
  }
  append_pending_ = false;
  Ready r;
  if (hard_dirty_ && !cfg_.bugs.forget_vote) r.hard_state = HardState{term_, vote_};
  hard_dirty_ = false;
  if (unstable_from_ <= last_index())
    r.entries.assign(log_.begin() + static_cast<std::ptrdiff_t>(unstable_from_), log_.end());
  unstable_from_ = UINT64_MAX;
  r.messages = std::move(outbox_);
  outbox_.clear();
  SUT_ASSERT(applied_ <= commit_ && commit_ <= last_index());
  for (uint64_t i = applied_ + 1; i <= commit_; ++i) r.committed.push_back(log_[i]);
  applied_ = commit_;
  r.reads = std::move(ready_reads_);
  ready_reads_.clear();
  r.dropped_reads = std::move(dropped_reads_);
  dropped_reads_.clear();
  return r;
}

// ---------------------------------------------------------------- roles

void RaftCore::reset_election_timer() {
  election_elapsed_ = 0;
  std::uniform_int_distribution<int> d(cfg_.election_ticks, 2 * cfg_.election_ticks - 1);
  randomized_election_ticks_ = d(rng_);
}

void RaftCore::set_hard(uint64_t term, const NodeId& vote) {
  SUT_ASSERT(term >= term_);
  if (term != term_ || vote != vote_) hard_dirty_ = true;
  term_ = term;
  vote_ = vote;
}

void RaftCore::become_follower(uint64_t term, const NodeId& leader) {
  if (role_ == Role::Leader) drop_reads();
  set_hard(term, term == term_ ? vote_ : NodeId{});
  role_ = Role::Follower;
  leader_ = leader;
  reset_election_timer();
}

void RaftCore::campaign() {
  role_ = Role::Candidate;
  leader_.clear();
  set_hard(term_ + 1, cfg_.id);
  reset_election_timer();
  votes_.clear();
  votes_[cfg_.id] = true;
  if (quorum() == 1) {
    become_leader();
    return;
  }
  for (const auto& peer : cfg_.members) {
    if (peer == cfg_.id) continue;
    send(Message{.type = MsgType::Vote, .to = peer, .log_index = last_index(),
                 .log_term = log_.back().term});
  }
}

void RaftCore::become_leader() {
  SUT_ASSERT(role_ == Role::Candidate);
  role_ = Role::Leader;
  leader_ = cfg_.id;
  heartbeat_elapsed_ = 0;
  quorum_check_elapsed_ = 0;
  committed_in_term_ = false;
  for (auto& [id, pr] : progress_) pr = Progress{0, last_index() + 1, false, 0, true};
  // The no-op lets the leader commit (and learn the commit point of) earlier terms' entries,
  // which it may not count replicas for (§5.4.2).
  append_local(Entry{term_, last_index() + 1, ""});
  progress_[cfg_.id].match = last_index();
  broadcast_append();
  maybe_commit();
}

// ---------------------------------------------------------------- log

void RaftCore::append_local(Entry e) {
  SUT_ASSERT(e.index == last_index() + 1);
  SUT_ASSERT(e.term >= log_.back().term);
  unstable_from_ = std::min(unstable_from_, e.index);
  log_.push_back(std::move(e));
}

void RaftCore::truncate_from(uint64_t index) {
  SUT_ASSERT_MSG(index > commit_, "truncating committed entries");
  log_.resize(index);
  durable_ = std::min(durable_, index - 1);
  unstable_from_ = std::min(unstable_from_, index);
}

bool RaftCore::log_up_to_date(uint64_t last_term, uint64_t last_idx) const {
  return last_term > log_.back().term || (last_term == log_.back().term && last_idx >= last_index());
}

// ---------------------------------------------------------------- messages

void RaftCore::send(Message m) {
  m.from = cfg_.id;
  m.term = term_;
  outbox_.push_back(std::move(m));
}

void RaftCore::send_append(const NodeId& to) {
  Progress& pr = progress_[to];
  uint64_t prev = pr.next - 1;
  SUT_ASSERT(prev <= last_index());
  Message m{.type = MsgType::App, .to = to, .log_index = prev, .log_term = log_[prev].term,
            .commit = commit_, .read_ctx = read_seq_};
  uint64_t end = std::min<uint64_t>(last_index(), prev + cfg_.max_entries_per_message);
  for (uint64_t i = prev + 1; i <= end; ++i) m.entries.push_back(log_[i]);
  if (pr.replicate && end > prev) pr.next = end + 1;  // optimistic: pipeline the next batch
  send(std::move(m));
}

void RaftCore::broadcast_append() {
  for (const auto& peer : cfg_.members)
    if (peer != cfg_.id) send_append(peer);
}

void RaftCore::handle_vote(const Message& m) {
  bool can_vote = vote_.empty() || vote_ == m.from;
  // A follower hearing from a live leader keeps it (leader_ set and timer fresh) — but votes
  // in a higher term were already reset by step(); here term == term_.
  bool grant = can_vote && log_up_to_date(m.log_term, m.log_index);
  if (grant) {
    set_hard(term_, m.from);
    reset_election_timer();
  }
  send(Message{.type = MsgType::VoteResp, .to = m.from, .reject = !grant});
}

void RaftCore::handle_vote_resp(const Message& m) {
  if (role_ != Role::Candidate) return;
  votes_[m.from] = !m.reject;
  std::size_t granted = std::count_if(votes_.begin(), votes_.end(),
                                      [](const auto& kv) { return kv.second; });
  if (granted >= quorum()) become_leader();
}

void RaftCore::handle_app(const Message& m) {
  if (role_ == Role::Leader) return;  // same-term leader: impossible unless a bug knob is on
  if (role_ == Role::Candidate) become_follower(term_, m.from);
  leader_ = m.from;
  election_elapsed_ = 0;
  Message resp{.type = MsgType::AppResp, .to = m.from, .read_ctx = m.read_ctx};
  if (m.log_index > last_index()) {
    resp.reject = true;
    resp.log_index = m.log_index;
    resp.hint = last_index();
    send(std::move(resp));
    return;
  }
  if (log_[m.log_index].term != m.log_term) {
    // Fast backup: skip the whole conflicting term in one round trip.
    uint64_t conflict_term = log_[m.log_index].term;
    uint64_t i = m.log_index;
    while (i > commit_ && log_[i - 1].term == conflict_term) --i;
    resp.reject = true;
    resp.log_index = m.log_index;
    resp.hint = i - 1;
    send(std::move(resp));
    return;
  }
  for (const Entry& e : m.entries) {
    if (e.index <= last_index()) {
      if (log_[e.index].term == e.term) continue;
      truncate_from(e.index);
    }
    append_local(e);
  }
  uint64_t last_new = m.log_index + m.entries.size();
  uint64_t new_commit = std::min(m.commit, last_new);
  if (new_commit > commit_) commit_ = new_commit;
  resp.log_index = last_new;
  send(std::move(resp));
}

void RaftCore::handle_app_resp(const Message& m) {
  if (role_ != Role::Leader) return;
  Progress& pr = progress_[m.from];
  pr.recent_active = true;
  pr.acked_read_ctx = std::max(pr.acked_read_ctx, m.read_ctx);
  if (m.reject) {
    bool stale = pr.replicate ? m.log_index <= pr.match : m.log_index + 1 != pr.next;
    if (!stale) {
      pr.replicate = false;
      pr.next = std::max(pr.match + 1, std::min(m.hint + 1, m.log_index));
      send_append(m.from);
    }
  } else {
    if (m.log_index > pr.match) pr.match = m.log_index;
    if (pr.next < pr.match + 1) pr.next = pr.match + 1;
    pr.replicate = true;
    if (pr.next <= last_index()) send_append(m.from);  // more to send (batch limit or probe)
    maybe_commit();
  }
  release_reads();
}

// ---------------------------------------------------------------- commit and reads

void RaftCore::maybe_commit() {
  SUT_ASSERT(role_ == Role::Leader);
  std::vector<uint64_t> matches;
  // The leader's own copy counts as far as it is durable (async_persist) or all of it (the
  // driver persists before handling any reply, so acks never overtake the leader's fsync).
  const uint64_t own = cfg_.async_persist ? durable_ : last_index();
  for (const auto& [id, pr] : progress_) matches.push_back(id == cfg_.id ? own : pr.match);
  std::sort(matches.begin(), matches.end(), std::greater<>());
  std::size_t q = cfg_.bugs.early_ack ? 1 : quorum();  // bug: the leader alone is "a majority"
  uint64_t n = matches[q - 1];
  // Only entries of the current term commit by counting replicas (§5.4.2, Figure 8).
  if (n > commit_ && log_[n].term == term_) {
    commit_ = n;
    if (!committed_in_term_) {
      committed_in_term_ = true;
      for (uint64_t id : parked_reads_) {
        reads_.push_back(PendingRead{id, commit_, read_seq_ + 1});
        read_round_needed_ = true;
      }
      parked_reads_.clear();
      release_reads();
    }
  }
}

void RaftCore::release_reads() {
  if (reads_.empty()) return;
  auto confirmed = [&](const PendingRead& r) {
    std::size_t acks = 1;
    for (const auto& [id, pr] : progress_)
      if (id != cfg_.id && pr.acked_read_ctx >= r.ctx) acks++;
    return acks >= quorum();
  };
  // ctx is non-decreasing along reads_, so confirmed reads form a prefix.
  std::size_t n = 0;
  while (n < reads_.size() && confirmed(reads_[n])) {
    ready_reads_.push_back(ReadState{reads_[n].request_id, reads_[n].index});
    n++;
  }
  reads_.erase(reads_.begin(), reads_.begin() + static_cast<std::ptrdiff_t>(n));
}

void RaftCore::drop_reads() {
  for (const auto& r : reads_) dropped_reads_.push_back(r.request_id);
  for (uint64_t id : parked_reads_) dropped_reads_.push_back(id);
  reads_.clear();
  parked_reads_.clear();
  read_round_needed_ = false;
}

}  // namespace faultline::raft
