// Seeded in-memory Multi-Paxos cluster; the model and the checks are described in paxos_sim.h.
#include "paxos_sim.h"

#include <algorithm>
#include <sstream>

namespace faultline::paxos::sim {

using nlohmann::json;

json SimKv::apply(const json& request) {
  sut::KvResult r = store.apply(request);
  if (r.ok) return json{{"ok", true}, {"value", r.value}};
  return json{{"ok", false}, {"error", std::string(sut::to_string(r.error))}};
}

PaxosSim::PaxosSim(SimOptions options) : options_(options), rng_(options.seed) {
  nodes_.resize(options_.nodes);
  for (NodeId i = 0; i < nodes_.size(); ++i) restart(i);
  for (std::size_t c = 0; c < options_.clients; ++c) {
    clients_.push_back(Client{next_process_++, std::nullopt, static_cast<NodeId>(c % nodes_.size())});
  }
}

Config PaxosSim::config_for(NodeId id, uint64_t incarnation) const {
  Config c;
  c.id = id;
  for (NodeId i = 0; i < nodes_.size(); ++i) c.members.push_back(i);
  c.heartbeat_ticks = 2;
  c.election_timeout_min_ticks = 10;
  c.election_timeout_max_ticks = 20;
  c.max_inflight = 64;
  c.learn_batch = 16;
  c.seed = options_.seed * 1000003 + incarnation;
  c.bugs = options_.bugs;
  return c;
}

const char* to_string(Violation v) {
  switch (v) {
    case Violation::TwoValuesChosen: return "two values chosen for one slot";
    case Violation::ChosenLostByRestart: return "chosen value lost by an acceptor's restart";
    case Violation::BallotTwoValues: return "one ballot carried two values";
    case Violation::PromiseBroken: return "promise broken";
    case Violation::PromiseForgotten: return "promise forgotten over a restart";
    case Violation::ApplyOrder: return "applied out of order";
    case Violation::AppliedUnchosen: return "applied a value not chosen";
    case Violation::LearnersDisagree: return "learners disagree";
    case Violation::AppliedTwice: return "applied twice";
    case Violation::ChosenInTwoSlots: return "value chosen in two slots";
    case Violation::RejectedTookEffect: return "rejected op took effect";
    case Violation::AckedOpLost: return "acknowledged op lost";
    case Violation::WrongResult: return "result the log does not give";
    case Violation::RealTimeOrder: return "log order contradicts real time";
  }
  return "?";
}

void PaxosSim::violation(Violation kind, std::string what) {
  kinds_.insert(kind);
  if (violations_.size() >= 20) return;
  std::ostringstream s;
  s << "seed " << options_.seed << " tick " << now_ << ": " << what;
  violations_.push_back(s.str());
}

bool PaxosSim::connected(NodeId a, NodeId b) const { return !cut_.count({a, b}); }

uint64_t PaxosSim::ok_ops() const {
  return std::count_if(history_.begin(), history_.end(),
                       [](const SimOp& o) { return o.type == SimOp::Type::Ok; });
}

void PaxosSim::crash(NodeId id) {
  Node& n = nodes_[id];
  n.core.reset();
  n.pending.clear();  // their clients will time out: outcome unknown
}

void PaxosSim::restart(NodeId id) {
  Node& n = nodes_[id];
  ++n.incarnation;
  n.promised_before = std::max(n.promised_before, n.promised);
  n.promised = Ballot{};
  n.core.emplace(config_for(id, n.incarnation), n.disk);
  n.kv = SimKv{};
  n.next_apply = 0;
  n.applied_ids.clear();
  n.pending.clear();
  process_outputs(id, Tick{}, n.core->start());
}

void PaxosSim::handle(NodeId id, const Input& input) {
  Node& n = nodes_[id];
  if (!n.core) return;
  const bool was_leader = n.core->is_leader();
  Outputs out = n.core->step(input);
  if (!was_leader && n.core->is_leader()) ++elections_;
  process_outputs(id, input, std::move(out));
}

void PaxosSim::observe_acceptance(NodeId acceptor, Slot slot, const Ballot& b, const Value& v) {
  Acceptance& a = acceptances_[{slot, b}];
  if (a.acceptors.empty()) {
    a.value = v;
  } else if (a.value != v) {
    violation(Violation::BallotTwoValues, "ballot (" + std::to_string(b.round) + "," +
                                              std::to_string(b.node) +
                                              ") carried two values for slot " + std::to_string(slot));
    return;
  }
  a.acceptors.emplace(acceptor, nodes_[acceptor].incarnation);
  if (a.acceptors.size() < nodes_.size() / 2 + 1) return;
  auto [it, inserted] = global_chosen_.emplace(slot, v);
  if (inserted) chosen_ballot_[slot] = b;
  if (inserted || it->second == v) return;
  violation(Violation::TwoValuesChosen, "two values chosen for slot " + std::to_string(slot) +
                                            ": '" + it->second.id + "' and '" + v.id + "'");
  // Which acceptors of the first choice accepted the second one in a later incarnation?
  const Acceptance& first = acceptances_[{slot, chosen_ballot_[slot]}];
  for (const auto& [node, inc] : a.acceptors) {
    auto f = first.acceptors.find(node);
    if (f != first.acceptors.end() && inc > f->second)
      violation(Violation::ChosenLostByRestart,
                "node " + std::to_string(node) + " accepted '" + it->second.id + "' at slot " +
                    std::to_string(slot) + ", restarted, then accepted '" + v.id + "'");
  }
}

// An acceptor's Accepted must not go below what it promised: earlier in this incarnation
// (Promise, Nack, Accepted it sent), or in an earlier one (promises are durable).
void PaxosSim::observe_promises(NodeId id, const Outputs& out) {
  Node& n = nodes_[id];
  auto text = [&](const Ballot& b, const Ballot& p) {
    return "node " + std::to_string(id) + " accepted ballot (" + std::to_string(b.round) + "," +
           std::to_string(b.node) + ") after promising (" + std::to_string(p.round) + "," +
           std::to_string(p.node) + ")";
  };
  for (const Envelope& e : out.send) {
    const auto* a = std::get_if<Accepted>(&e.message);
    if (!a) continue;
    if (a->ballot < n.promised) violation(Violation::PromiseBroken, text(a->ballot, n.promised));
    else if (a->ballot < n.promised_before)
      violation(Violation::PromiseForgotten, text(a->ballot, n.promised_before) + " before a restart");
  }
  for (const Envelope& e : out.send) {
    if (const auto* p = std::get_if<Promise>(&e.message)) n.promised = std::max(n.promised, p->ballot);
    if (const auto* k = std::get_if<Nack>(&e.message)) n.promised = std::max(n.promised, k->promised);
    if (const auto* a = std::get_if<Accepted>(&e.message)) n.promised = std::max(n.promised, a->ballot);
  }
}

void PaxosSim::process_outputs(NodeId id, const Input& input, Outputs out) {
  Node& n = nodes_[id];
  // 1. persist (the sim's disk is synchronous: a record is durable once appended).
  for (PersistRecord& r : out.persist) n.disk.push_back(std::move(r));
  // Observer: promises and acceptances visible in the traffic.
  observe_promises(id, out);
  if (const auto* r = std::get_if<Receive>(&input)) {
    if (const auto* acc = std::get_if<Accept>(&r->message)) {
      for (const Envelope& e : out.send) {
        const auto* reply = std::get_if<Accepted>(&e.message);
        if (reply && e.to == r->from && reply->ballot == acc->ballot && reply->slot == acc->slot) {
          observe_acceptance(id, acc->slot, acc->ballot, acc->value);
          break;
        }
      }
    }
  }
  for (const Envelope& e : out.send) {
    if (const auto* acc = std::get_if<Accept>(&e.message)) {
      observe_acceptance(id, acc->slot, acc->ballot, acc->value);
    }
  }
  // 2. send.
  for (const Envelope& e : out.send) enqueue(e, true);
  // 3. apply.
  for (const ChosenEntry& c : out.apply) {
    if (c.slot != n.next_apply) {
      violation(Violation::ApplyOrder, "node " + std::to_string(id) + " applied slot " + std::to_string(c.slot) +
                " but expected " + std::to_string(n.next_apply));
    }
    n.next_apply = c.slot + 1;
    auto chosen = global_chosen_.find(c.slot);
    if (chosen == global_chosen_.end()) {
      violation(Violation::AppliedUnchosen, "node " + std::to_string(id) + " applied slot " + std::to_string(c.slot) +
                " that no majority accepted");
    } else if (chosen->second != c.value) {
      violation(Violation::AppliedUnchosen, "node " + std::to_string(id) + " applied '" + c.value.id + "' at slot " +
                std::to_string(c.slot) + " but '" + chosen->second.id + "' was chosen");
    }
    auto [it, inserted] = global_applied_.emplace(c.slot, c.value);
    if (!inserted && it->second != c.value) {
      violation(Violation::LearnersDisagree, "learners disagree at slot " + std::to_string(c.slot) + ": '" + it->second.id +
                "' vs '" + c.value.id + "' (node " + std::to_string(id) + ")");
    }
    if (c.value.is_noop()) continue;
    if (!n.applied_ids.insert(c.value.id).second) {
      violation(Violation::AppliedTwice, "node " + std::to_string(id) + " applied '" + c.value.id + "' twice");
    }
    json result = n.kv.apply(json::parse(c.value.payload));
    auto p = n.pending.find(c.value.id);
    if (p != n.pending.end()) {
      const std::size_t idx = p->second;
      n.pending.erase(p);
      complete(idx, result["ok"].get<bool>() ? SimOp::Type::Ok : SimOp::Type::Fail, result);
    }
  }
  // 4. rejections: definite failures.
  for (const Rejection& r : out.rejected) {
    auto p = n.pending.find(r.value_id);
    if (p == n.pending.end()) continue;
    const std::size_t idx = p->second;
    n.pending.erase(p);
    for (Client& c : clients_) {
      if (c.process == history_[idx].process) {
        c.target = r.leader_hint ? *r.leader_hint
                                 : static_cast<NodeId>(rng_() % nodes_.size());
      }
    }
    complete(idx, SimOp::Type::Fail, json{{"ok", false}, {"error", "not-leader"}, {"rejected", true}});
  }
}

void PaxosSim::enqueue(const Envelope& e, bool faults) {
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<uint32_t> delay(1, options_.max_delay_ticks);
  if (faults && u(rng_) < options_.drop) return;
  network_.push_back(InFlight{now_ + delay(rng_), e});
  if (faults && u(rng_) < options_.duplicate) network_.push_back(InFlight{now_ + delay(rng_), e});
}

void PaxosSim::complete(std::size_t idx, SimOp::Type type, json result) {
  SimOp& op = history_[idx];
  if (op.type != SimOp::Type::Pending) return;
  op.type = type;
  op.result = std::move(result);
  op.complete_tick = ++event_;
  for (Client& c : clients_) {
    if (c.op == idx) c.op.reset();
  }
}

void PaxosSim::client_step(Client& c, bool invoke) {
  std::uniform_real_distribution<double> u(0, 1);
  if (c.op) {
    SimOp& op = history_[*c.op];
    if (now_ - op.invoke_tick_raw < options_.client_timeout_ticks) return;
    for (Node& n : nodes_) n.pending.erase(op.value_id);
    const std::size_t idx = *c.op;
    complete(idx, SimOp::Type::Info, nullptr);
    c.process = next_process_++;  // a process that saw info is never reused
    c.target = static_cast<NodeId>(rng_() % nodes_.size());
    return;
  }
  if (!invoke || u(rng_) >= options_.invoke_per_tick) return;
  SimOp op;
  op.process = c.process;
  op.value_id = "p" + std::to_string(c.process) + "." + std::to_string(next_value_seq_++);
  auto micro_op = [&](bool allow_append) {
    const std::string key = "k" + std::to_string(rng_() % options_.keys);
    const uint64_t kind = rng_() % 10;
    if (kind < 4) return json{{"op", "read"}, {"key", key}};
    if (kind < 6) return json{{"op", "write"}, {"key", key}, {"value", rng_() % 5}};
    if (kind < 8 || !allow_append) {
      json expected = rng_() % 6 == 0 && options_.workload == SimOptions::Workload::Mixed ? json(nullptr) : json(rng_() % 5);
      return json{{"op", "cas"}, {"key", key}, {"expected", expected}, {"value", rng_() % 5}};
    }
    // Lists live on their own keys so registers stay integers.
    return json{{"op", "append"}, {"key", "l" + key}, {"value", next_value_seq_}};
  };
  if (options_.workload == SimOptions::Workload::Registers) {
    op.request = micro_op(false);
  } else if (options_.workload == SimOptions::Workload::Lists) {
    const std::string key = "lk" + std::to_string(rng_() % options_.keys);
    op.request = rng_() % 2 ? json{{"op", "read"}, {"key", key}}
                            : json{{"op", "append"}, {"key", key}, {"value", next_value_seq_}};
  } else if (rng_() % 8 == 0) {
    json ops = json::array();
    const uint64_t n = 2 + rng_() % 3;
    for (uint64_t i = 0; i < n; ++i) ops.push_back(micro_op(true));
    op.request = json{{"op", "txn"}, {"ops", ops}};
  } else {
    op.request = micro_op(true);
  }
  op.invoke_tick_raw = now_;
  op.invoke_tick = ++event_;
  history_.push_back(op);
  const std::size_t idx = history_.size() - 1;
  c.op = idx;
  if (!nodes_[c.target].core) c.target = static_cast<NodeId>(rng_() % nodes_.size());
  Node& n = nodes_[c.target];
  if (!n.core) return;  // connection refused: the op stays pending and times out
  n.pending[op.value_id] = idx;
  handle(c.target, Propose{Value{op.value_id, op.request.dump()}});
}

void PaxosSim::tick_once(bool faults, bool invoke) {
  ++now_;
  std::uniform_real_distribution<double> u(0, 1);
  // Deliver due messages in random order.
  std::vector<Envelope> due;
  auto keep = std::partition(network_.begin(), network_.end(),
                             [&](const InFlight& m) { return m.deliver_tick > now_; });
  for (auto it = keep; it != network_.end(); ++it) due.push_back(std::move(it->envelope));
  network_.erase(keep, network_.end());
  std::shuffle(due.begin(), due.end(), rng_);
  for (Envelope& e : due) {
    if (!connected(e.from, e.to)) continue;
    handle(e.to, Receive{e.from, std::move(e.message)});
  }
  for (NodeId i = 0; i < nodes_.size(); ++i) handle(i, Tick{});
  for (Client& c : clients_) client_step(c, invoke);
  if (!faults) return;
  if (u(rng_) < options_.crash_per_tick) {
    NodeId victim = static_cast<NodeId>(rng_() % nodes_.size());
    if (nodes_[victim].core) crash(victim);
  }
  if (u(rng_) < options_.restart_per_tick) {
    NodeId id = static_cast<NodeId>(rng_() % nodes_.size());
    if (!nodes_[id].core) restart(id);
  }
  if (u(rng_) < options_.partition_per_tick) {
    cut_.clear();
    std::vector<bool> side(nodes_.size());
    for (std::size_t i = 0; i < side.size(); ++i) side[i] = rng_() % 2;
    for (NodeId a = 0; a < nodes_.size(); ++a) {
      for (NodeId b = 0; b < nodes_.size(); ++b) {
        if (side[a] != side[b]) cut_.insert({a, b});
      }
    }
  }
  if (u(rng_) < options_.heal_per_tick) cut_.clear();
}

std::vector<std::string> PaxosSim::run() {
  for (uint64_t t = 0; t < options_.ticks; ++t) tick_once(true, true);
  // Heal everything, then let the cluster settle with clients, then without.
  cut_.clear();
  for (NodeId i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].core) restart(i);
  }
  for (uint64_t t = 0; t < options_.quiet_ticks; ++t) tick_once(false, t < options_.quiet_ticks / 2);
  return violations_;
}

std::vector<std::string> PaxosSim::liveness_problems() const {
  std::vector<std::string> problems;
  std::size_t leaders = 0;
  for (NodeId i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (!n.core) continue;
    if (n.core->is_leader()) ++leaders;
    if (n.next_apply != nodes_[0].next_apply) {
      problems.push_back("seed " + std::to_string(options_.seed) + ": node " + std::to_string(i) +
                         " applied up to " + std::to_string(n.next_apply) + ", node 0 up to " +
                         std::to_string(nodes_[0].next_apply) + " after the quiet phase");
    }
  }
  if (leaders != 1) {
    problems.push_back("seed " + std::to_string(options_.seed) + ": " + std::to_string(leaders) +
                       " leaders after the quiet phase");
  }
  return problems;
}

std::vector<std::string> PaxosSim::check_history(std::set<Violation>* kinds) const {
  std::vector<std::string> problems;
  auto problem = [&](Violation kind, std::string what) {
    if (kinds) kinds->insert(kind);
    if (problems.size() < 20) problems.push_back("seed " + std::to_string(options_.seed) + ": " + what);
  };
  // Replay the chosen log (contiguous prefix of what learners applied).
  std::map<std::string, std::pair<Slot, json>> in_log;
  SimKv kv;
  for (Slot s = 0;; ++s) {
    auto it = global_applied_.find(s);
    if (it == global_applied_.end()) break;
    if (it->second.is_noop()) continue;
    json result = kv.apply(json::parse(it->second.payload));
    if (!in_log.emplace(it->second.id, std::make_pair(s, result)).second) {
      problem(Violation::ChosenInTwoSlots, "value '" + it->second.id + "' chosen in two slots");
    }
  }
  // (slot, invoke, complete, ok) of every logged op, for the real-time check.
  std::vector<std::tuple<Slot, uint64_t, uint64_t, bool>> ordered;
  for (const SimOp& op : history_) {
    auto it = in_log.find(op.value_id);
    const bool rejected = op.type == SimOp::Type::Fail && op.result.contains("rejected");
    if (rejected) {
      if (it != in_log.end()) problem(Violation::RejectedTookEffect, "rejected op '" + op.value_id + "' took effect");
      continue;
    }
    if (op.type == SimOp::Type::Ok || op.type == SimOp::Type::Fail) {
      if (it == in_log.end()) {
        problem(Violation::AckedOpLost, "acknowledged op '" + op.value_id + "' is not in the chosen log");
        continue;
      }
      if (it->second.second != op.result) {
        problem(Violation::WrongResult, "op '" + op.value_id + "' " + op.request.dump() + " returned " + op.result.dump() +
                " but the chosen log gives " + it->second.second.dump() + " at slot " +
                std::to_string(it->second.first));
      }
    }
    if (it == in_log.end()) continue;
    const bool completed = op.type == SimOp::Type::Ok || op.type == SimOp::Type::Fail;
    ordered.emplace_back(it->second.first, op.invoke_tick,
                         completed ? op.complete_tick : UINT64_MAX, completed);
  }
  // Real time: an op that completed before another was invoked must precede it in the log.
  std::sort(ordered.begin(), ordered.end());
  uint64_t max_invoke_before = 0;
  for (const auto& [slot, invoke, done, completed] : ordered) {
    if (completed && max_invoke_before > done) {
      problem(Violation::RealTimeOrder, "op at slot " + std::to_string(slot) +
              " completed before an op ordered earlier in the log was invoked");
    }
    max_invoke_before = std::max(max_invoke_before, invoke);
  }
  return problems;
}

}  // namespace faultline::paxos::sim
