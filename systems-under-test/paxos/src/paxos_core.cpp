// Multi-Paxos core; the contract and protocol summary are in paxos_core.h.
#include "faultline/paxos/paxos_core.h"

#include <algorithm>

#include "faultline/paxos/invariant.h"

namespace faultline::paxos {

const char* to_string(PaxosCore::Role role) {
  switch (role) {
    case PaxosCore::Role::Follower: return "follower";
    case PaxosCore::Role::Candidate: return "candidate";
    case PaxosCore::Role::Leader: return "leader";
  }
  return "?";
}

PaxosCore::PaxosCore(Config config, const std::vector<PersistRecord>& recovered)
    : config_(std::move(config)), rng_(config_.seed * 0x9E3779B97F4A7C15ull + config_.id) {
  PAXOS_ASSERT(!config_.members.empty());
  PAXOS_ASSERT(is_member(config_.id));
  PAXOS_ASSERT(config_.heartbeat_ticks > 0);
  PAXOS_ASSERT(config_.election_timeout_min_ticks > config_.heartbeat_ticks);
  PAXOS_ASSERT(config_.election_timeout_max_ticks >= config_.election_timeout_min_ticks);
  PAXOS_ASSERT(config_.max_inflight > 0 && config_.learn_batch > 0);
  std::sort(config_.members.begin(), config_.members.end());
  PAXOS_ASSERT(std::adjacent_find(config_.members.begin(), config_.members.end()) ==
               config_.members.end());

  for (const PersistRecord& r : recovered) {
    if (const auto* p = std::get_if<PromiseRecord>(&r)) {
      promised_ = std::max(promised_, p->ballot);
    } else if (const auto* a = std::get_if<AcceptRecord>(&r)) {
      accepted_[a->slot] = AcceptedValue{a->ballot, a->value};
      promised_ = std::max(promised_, a->ballot);
    } else if (const auto* c = std::get_if<ChosenRecord>(&r)) {
      chosen_.emplace(c->slot, c->value);
    }
  }
  for (const auto& [slot, value] : chosen_) accepted_.erase(slot);
  while (true) {
    auto it = chosen_.find(first_unchosen_);
    if (it == chosen_.end()) break;
    recovered_apply_.push_back(ChosenEntry{first_unchosen_, it->second});
    ++first_unchosen_;
  }
  max_round_seen_ = promised_.round;
  reset_election_timer();
}

bool PaxosCore::is_member(NodeId n) const {
  return std::find(config_.members.begin(), config_.members.end(), n) != config_.members.end();
}

Outputs PaxosCore::start() {
  Outputs out;
  out.apply = std::move(recovered_apply_);
  recovered_apply_.clear();
  return out;
}

Outputs PaxosCore::step(const Input& input) {
  Outputs out;
  if (std::holds_alternative<Tick>(input)) {
    on_tick(out);
  } else if (const auto* p = std::get_if<Propose>(&input)) {
    on_propose(p->value, out);
  } else {
    const auto& r = std::get<Receive>(input);
    if (!is_member(r.from) || r.from == config_.id) return out;  // not ours: ignore
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, Prepare>) on_prepare(r.from, m, out);
          else if constexpr (std::is_same_v<M, Promise>) on_promise(r.from, m, out);
          else if constexpr (std::is_same_v<M, Nack>) on_nack(r.from, m, out);
          else if constexpr (std::is_same_v<M, Accept>) on_accept(r.from, m, out);
          else if constexpr (std::is_same_v<M, Accepted>) on_accepted(r.from, m, out);
          else if constexpr (std::is_same_v<M, Heartbeat>) on_heartbeat(r.from, m, out);
          else if constexpr (std::is_same_v<M, HeartbeatAck>) on_heartbeat_ack(r.from, m, out);
          else if constexpr (std::is_same_v<M, Learn>) on_learn(m, out);
        },
        r.message);
  }
  // Invariants that hold after every step.
  PAXOS_ASSERT(role_ == Role::Follower || ballot_.node == config_.id);
  PAXOS_ASSERT(role_ != Role::Leader || ballot_ == promised_);
  PAXOS_ASSERT(chosen_.find(first_unchosen_) == chosen_.end());
  PAXOS_ASSERT(role_ == Role::Leader || proposals_.empty());
  return out;
}

// --- time -------------------------------------------------------------------------------------

void PaxosCore::reset_election_timer() {
  last_heard_tick_ = now_tick_;
  std::uniform_int_distribution<uint64_t> d(config_.election_timeout_min_ticks,
                                            config_.election_timeout_max_ticks);
  election_deadline_ticks_ = d(rng_);
}

void PaxosCore::on_tick(Outputs& out) {
  ++now_tick_;
  if (role_ == Role::Leader) {
    if (now_tick_ - last_heartbeat_tick_ >= config_.heartbeat_ticks) {
      last_heartbeat_tick_ = now_tick_;
      broadcast(Heartbeat{ballot_, first_unchosen_}, out);
      // Retransmit accepts that have not reached a majority (messages may be lost).
      for (auto& [slot, p] : proposals_) {
        if (now_tick_ - p.last_sent_tick < 2 * config_.heartbeat_ticks) continue;
        p.last_sent_tick = now_tick_;
        for (NodeId peer : config_.members) {
          if (peer == config_.id || p.acks.count(peer)) continue;
          send(peer, Accept{ballot_, slot, p.value, first_unchosen_}, out);
        }
      }
    }
    // Check quorum: a leader cut off from a majority steps down so clients look elsewhere.
    std::size_t live = 1;
    for (const auto& [peer, tick] : last_ack_tick_) {
      if (now_tick_ - tick <= config_.election_timeout_max_ticks) ++live;
    }
    if (live < majority()) step_down(std::nullopt);
    return;
  }
  if (role_ == Role::Candidate && now_tick_ - last_heartbeat_tick_ >= config_.heartbeat_ticks) {
    last_heartbeat_tick_ = now_tick_;  // re-send prepares lost on the way
    for (NodeId peer : config_.members) {
      if (peer != config_.id && !promises_.count(peer)) send(peer, Prepare{ballot_, prepare_from_}, out);
    }
  }
  if (now_tick_ - last_heard_tick_ >= election_deadline_ticks_) start_phase1(out);
}

// --- proposer ---------------------------------------------------------------------------------

void PaxosCore::start_phase1(Outputs& out) {
  ballot_ = Ballot{std::max(max_round_seen_, promised_.round) + 1, config_.id};
  observe(ballot_);
  promised_ = ballot_;
  persist(PromiseRecord{ballot_}, out);
  role_ = Role::Candidate;
  leader_hint_.reset();
  proposals_.clear();
  promises_.clear();
  prepare_from_ = first_unchosen_;
  promises_[config_.id] = entries_from(prepare_from_);
  reset_election_timer();
  last_heartbeat_tick_ = now_tick_;
  broadcast(Prepare{ballot_, prepare_from_}, out);
  if (promises_.size() >= majority()) become_leader(out);
}

void PaxosCore::on_promise(NodeId from, const Promise& m, Outputs& out) {
  observe(m.ballot);
  if (role_ != Role::Candidate || m.ballot != ballot_) return;
  promises_[from] = m.entries;
  if (promises_.size() >= majority()) become_leader(out);
}

void PaxosCore::become_leader(Outputs& out) {
  PAXOS_ASSERT(role_ == Role::Candidate);
  // Highest-ballot accepted value per open slot, across the quorum's promises.
  std::map<Slot, const PromiseEntry*> best;
  std::vector<ChosenEntry> known_chosen;
  for (const auto& [node, entries] : promises_) {
    for (const PromiseEntry& e : entries) {
      if (e.chosen) {
        known_chosen.push_back(ChosenEntry{e.slot, e.value});
        continue;
      }
      auto [it, inserted] = best.emplace(e.slot, &e);
      if (!inserted && e.ballot > it->second->ballot) it->second = &e;
    }
  }
  role_ = Role::Leader;
  leader_hint_ = config_.id;
  for (const ChosenEntry& c : known_chosen) learn(c.slot, c.value, out);
  next_slot_ = first_unchosen_;
  if (!best.empty()) next_slot_ = std::max(next_slot_, best.rbegin()->first + 1);
  if (!chosen_.empty()) next_slot_ = std::max(next_slot_, chosen_.rbegin()->first + 1);
  for (NodeId peer : config_.members) {
    if (peer != config_.id) last_ack_tick_[peer] = now_tick_;
  }
  last_heartbeat_tick_ = now_tick_;
  broadcast(Heartbeat{ballot_, first_unchosen_}, out);
  for (Slot s = first_unchosen_; s < next_slot_; ++s) {
    if (chosen_.count(s)) continue;
    auto it = best.find(s);
    propose_in_slot(s, it == best.end() ? Value::noop() : it->second->value, out);
  }
  promises_.clear();
}

void PaxosCore::step_down(std::optional<NodeId> hint) {
  role_ = Role::Follower;
  proposals_.clear();
  promises_.clear();
  last_ack_tick_.clear();
  leader_hint_ = hint;
  reset_election_timer();
}

void PaxosCore::follow(const Ballot& leader_ballot) {
  if (role_ != Role::Follower && ballot_ < leader_ballot) step_down(leader_ballot.node);
  if (role_ == Role::Follower) {
    leader_hint_ = leader_ballot.node;
    reset_election_timer();
  }
}

void PaxosCore::on_propose(const Value& value, Outputs& out) {
  PAXOS_ASSERT(!value.is_noop());
  if (role_ != Role::Leader) {
    std::optional<NodeId> hint;
    if (leader_hint_ && *leader_hint_ != config_.id) hint = leader_hint_;
    out.rejected.push_back(Rejection{value.id, RejectReason::NotLeader, hint});
    return;
  }
  if (proposals_.size() >= config_.max_inflight) {
    out.rejected.push_back(Rejection{value.id, RejectReason::Busy, config_.id});
    return;
  }
  propose_in_slot(next_slot_++, value, out);
}

void PaxosCore::propose_in_slot(Slot slot, const Value& value, Outputs& out) {
  PAXOS_ASSERT(role_ == Role::Leader && ballot_ == promised_);
  PAXOS_ASSERT(!chosen_.count(slot));
  accepted_[slot] = AcceptedValue{ballot_, value};
  persist(AcceptRecord{slot, ballot_, value}, out);
  Proposal& p = proposals_[slot];
  p.value = value;
  p.acks = {config_.id};
  p.last_sent_tick = now_tick_;
  broadcast(Accept{ballot_, slot, value, first_unchosen_}, out);
  check_chosen(slot, out);
}

void PaxosCore::on_accepted(NodeId from, const Accepted& m, Outputs& out) {
  observe(m.ballot);
  if (role_ != Role::Leader || m.ballot != ballot_) return;
  last_ack_tick_[from] = now_tick_;
  auto it = proposals_.find(m.slot);
  if (it == proposals_.end()) return;  // already chosen (duplicate or late ack)
  it->second.acks.insert(from);
  check_chosen(m.slot, out);
}

void PaxosCore::check_chosen(Slot slot, Outputs& out) {
  auto it = proposals_.find(slot);
  PAXOS_ASSERT(it != proposals_.end());
  if (it->second.acks.size() < majority()) return;
  Value v = std::move(it->second.value);
  proposals_.erase(it);
  learn(slot, v, out);
}

void PaxosCore::on_nack(NodeId, const Nack& m, Outputs&) {
  observe(m.promised);
  if (role_ == Role::Follower || m.ballot != ballot_ || !(m.promised > ballot_)) return;
  step_down(m.promised.node);
}

void PaxosCore::on_heartbeat_ack(NodeId from, const HeartbeatAck& m, Outputs& out) {
  observe(m.ballot);
  if (role_ != Role::Leader || m.ballot != ballot_) return;
  last_ack_tick_[from] = now_tick_;
  if (m.first_unchosen >= first_unchosen_) return;
  Learn learn_msg{ballot_, {}};
  for (auto it = chosen_.lower_bound(m.first_unchosen);
       it != chosen_.end() && it->first < first_unchosen_ &&
       learn_msg.entries.size() < config_.learn_batch;
       ++it) {
    learn_msg.entries.push_back(ChosenEntry{it->first, it->second});
  }
  send(from, std::move(learn_msg), out);
}

// --- acceptor ---------------------------------------------------------------------------------

std::vector<PromiseEntry> PaxosCore::entries_from(Slot from_slot) const {
  std::vector<PromiseEntry> entries;
  auto a = accepted_.lower_bound(from_slot);
  auto c = chosen_.lower_bound(from_slot);
  while (a != accepted_.end() || c != chosen_.end()) {
    if (c != chosen_.end() && (a == accepted_.end() || c->first <= a->first)) {
      if (a != accepted_.end() && a->first == c->first) ++a;
      entries.push_back(PromiseEntry{c->first, Ballot{}, c->second, true});
      ++c;
    } else {
      entries.push_back(PromiseEntry{a->first, a->second.ballot, a->second.value, false});
      ++a;
    }
  }
  return entries;
}

void PaxosCore::on_prepare(NodeId from, const Prepare& m, Outputs& out) {
  observe(m.ballot);
  const bool duplicate = m.ballot == promised_ && m.ballot.node == from;
  if (!(m.ballot > promised_) && !duplicate) {
    send(from, Nack{m.ballot, promised_}, out);
    return;
  }
  if (m.ballot > promised_) {
    promised_ = m.ballot;
    persist(PromiseRecord{m.ballot}, out);
  }
  if (role_ != Role::Follower && ballot_ < m.ballot) step_down(std::nullopt);
  reset_election_timer();  // give the candidate time to finish phase 1
  send(from, Promise{m.ballot, entries_from(m.from_slot)}, out);
}

void PaxosCore::on_accept(NodeId from, const Accept& m, Outputs& out) {
  observe(m.ballot);
  const bool promise_ok = m.ballot >= promised_;
  if (!promise_ok && !config_.bugs.skip_promise_check) {
    send(from, Nack{m.ballot, promised_}, out);
    return;
  }
  const bool raises_promise = promise_ok && m.ballot > promised_;
  if (promise_ok) {
    promised_ = m.ballot;
    follow(m.ballot);
  }
  auto it = accepted_.find(m.slot);
  const bool already = chosen_.count(m.slot) > 0 ||  // chosen slots need no acceptor state
                       (it != accepted_.end() && it->second.ballot == m.ballot &&
                        it->second.value == m.value);
  if (!already) {
    accepted_[m.slot] = AcceptedValue{m.ballot, m.value};
    persist(AcceptRecord{m.slot, m.ballot, m.value}, out);  // durable promise of m.ballot too
  } else if (raises_promise) {
    persist(PromiseRecord{m.ballot}, out);
  }
  send(from, Accepted{m.ballot, m.slot}, out);
  if (promise_ok) learn_up_to(m.commit, m.ballot, out);
}

void PaxosCore::on_heartbeat(NodeId from, const Heartbeat& m, Outputs& out) {
  observe(m.ballot);
  if (m.ballot < promised_) {
    send(from, Nack{m.ballot, promised_}, out);
    return;
  }
  follow(m.ballot);
  learn_up_to(m.commit, m.ballot, out);
  send(from, HeartbeatAck{m.ballot, first_unchosen_}, out);
}

// --- learner ----------------------------------------------------------------------------------

void PaxosCore::learn_up_to(Slot commit, const Ballot& ballot, Outputs& out) {
  // Every slot below the leader's commit is chosen; an entry we accepted in the leader's own
  // ballot holds the value the leader proposed there, hence the chosen one.
  std::vector<ChosenEntry> learned;
  for (auto it = accepted_.lower_bound(first_unchosen_); it != accepted_.end() && it->first < commit;
       ++it) {
    if (it->second.ballot == ballot) learned.push_back(ChosenEntry{it->first, it->second.value});
  }
  for (const ChosenEntry& c : learned) learn(c.slot, c.value, out);
}

void PaxosCore::on_learn(const Learn& m, Outputs& out) {
  observe(m.ballot);
  for (const ChosenEntry& c : m.entries) learn(c.slot, c.value, out);
}

void PaxosCore::learn(Slot slot, const Value& value, Outputs& out) {
  auto existing = chosen_.find(slot);
  if (existing != chosen_.end() || slot < first_unchosen_) {
    if (existing != chosen_.end() && existing->second != value) {
      // Two different values chosen for one slot: impossible unless a bug knob is on. Keep the
      // first (the state machine already applied it) and count the divergence.
      PAXOS_ASSERT_MSG(config_.bugs.any(), "two different values chosen for one slot");
      ++conflicting_learns_;
    }
    return;
  }
  chosen_.emplace(slot, value);
  accepted_.erase(slot);
  proposals_.erase(slot);
  persist(ChosenRecord{slot, value}, out);
  while (true) {
    auto it = chosen_.find(first_unchosen_);
    if (it == chosen_.end()) break;
    out.apply.push_back(ChosenEntry{first_unchosen_, it->second});
    ++first_unchosen_;
  }
}

// --- plumbing ---------------------------------------------------------------------------------

void PaxosCore::broadcast(const Message& m, Outputs& out) const {
  for (NodeId peer : config_.members) {
    if (peer != config_.id) out.send.push_back(Envelope{config_.id, peer, m});
  }
}

void PaxosCore::send(NodeId to, Message m, Outputs& out) const {
  out.send.push_back(Envelope{config_.id, to, std::move(m)});
}

void PaxosCore::persist(PersistRecord r, Outputs& out) const {
  if (config_.bugs.no_persist) return;  // bug knob: acceptor state lives only in memory
  out.persist.push_back(std::move(r));
}

}  // namespace faultline::paxos
