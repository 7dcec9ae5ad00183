#include "raft_sim.h"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <optional>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>

#include "faultline/checker/linearizability.h"
#include "faultline/checker/model_registry.h"
#include "faultline/core/history.h"
#include "faultline/raft/kv_raft_node.h"
#include "register_linearizability.h"

namespace faultline::raft::test {
namespace {

using sut::Json;

constexpr int kClientDeadlineTicks = 80;
// Without pre-vote, a node whose log cannot win may keep disrupting elections for a while after
// healing; 400 ticks (40 election timeouts) leaves room for the randomized timeouts to settle.
constexpr int kQuietTicks = 400;

class Simulation {
 public:
  explicit Simulation(const SimOptions& o) : o_(o), rng_(o.seed) {
    for (int i = 0; i < o_.nodes; ++i) ids_.push_back("n" + std::to_string(i + 1));
    slots_.resize(o_.nodes);
    for (int i = 0; i < o_.nodes; ++i) start(i);
    clients_.resize(o_.clients);
    for (auto& c : clients_) {
      c.leader_guess = pick(o_.nodes);
      c.process = next_process_++;
    }
    side_.assign(o_.nodes, 0);
  }

  SimReport run() {
    for (now_ = 0; now_ < o_.ticks + kQuietTicks && report_.ok; ++now_) {
      bool quiet = now_ >= o_.ticks;
      if (now_ == o_.ticks) heal_everything();
      if (!quiet) nemesis();
      for (int i = 0; i < o_.nodes && report_.ok; ++i) complete_persists(i);
      for (int i = 0; i < o_.nodes && report_.ok; ++i)
        if (slots_[i].node) {
          slots_[i].node->on_tick();
          flush(i);
        }
      deliver_due();
      clients_step();
      expire_clients();
      check_leader_completeness();
      if (quiet && report_.ok) quiet_ok_ops_ = report_.ops_ok - ok_before_quiet_;
      else ok_before_quiet_ = report_.ops_ok;
    }
    if (report_.ok && quiet_ok_ops_ == 0)
      violate(ViolationKind::Liveness, "liveness: no operation succeeded in " + std::to_string(kQuietTicks) +
              " fault-free ticks after healing; nodes: " + describe_nodes());
    // Ops still open at the end may or may not have happened: the clients give up (info), so
    // both checkers see them as indeterminate.
    for (auto& cl : clients_)
      if (cl.busy && report_.ok) complete(cl, std::nullopt);
    for (auto& [key, ops] : history_) {
      for (const std::string& s : find_stale_reads(ops)) {
        if (report_.stale_reads++ == 0) report_.stale_read_example = "key " + key + ": " + s;
      }
    }
    if (report_.ok) check_histories();
    return report_;
  }

 private:
  struct Batch {  // async_persist: a persist output on its way to the disk
    int64_t due;
    std::optional<HardState> hard;
    std::vector<Entry> entries;
    std::vector<Message> held;  // non-App messages, sent once the batch is on disk
    uint64_t last_index = 0, last_term = 0;
  };
  struct Slot {
    std::unique_ptr<KvRaftNode> node;
    PersistentState disk;
    int incarnation = 0;
    std::deque<Batch> persisting;  // lost on a crash
    uint64_t written_index = 0, written_term = 0;
  };
  struct Client {
    bool busy = false;
    uint64_t token = 0;
    Json request;
    int64_t invoke = 0;
    int64_t deadline = 0;
    int leader_guess = 0;
    int64_t process = 0;
  };
  struct InFlight {
    int64_t at;
    Message m;
  };

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int index_of(const NodeId& id) const {
    return static_cast<int>(std::find(ids_.begin(), ids_.end(), id) - ids_.begin());
  }

  std::string describe_nodes() const {
    std::ostringstream d;
    for (int i = 0; i < o_.nodes; ++i) {
      d << ids_[i];
      if (!slots_[i].node) {
        d << " down; ";
        continue;
      }
      const RaftCore& c = slots_[i].node->core();
      d << " " << to_string(c.role()) << " term " << c.term() << " leader " << c.leader()
        << " commit " << c.commit_index() << " last " << c.last_index() << " durable "
        << c.durable_index() << " persisting " << slots_[i].persisting.size() << "; ";
    }
    return d.str();
  }

  void violate(ViolationKind kind, const std::string& what) {
    if (!report_.ok) return;
    report_.ok = false;
    report_.kind = kind;
    std::ostringstream s;
    s << "seed " << o_.seed << " tick " << now_ << ": " << what;
    report_.violation = s.str();
  }

  void start(int i) {
    Slot& s = slots_[i];
    RaftConfig cfg;
    cfg.id = ids_[i];
    cfg.members = ids_;
    cfg.election_ticks = 10;
    cfg.heartbeat_ticks = 2;
    cfg.seed = o_.seed * 7919 + static_cast<uint64_t>(i) * 131 + s.incarnation;
    cfg.max_entries_per_message = 8;  // small batches exercise pipelining and backup
    cfg.bugs = o_.bugs;
    cfg.async_persist = o_.async_persist;
    s.persisting.clear();
    s.written_index = s.disk.log.empty() ? 0 : s.disk.log.back().index;
    s.written_term = s.disk.log.empty() ? 0 : s.disk.log.back().term;
    KvNodeOptions opts;
    opts.stale_read = o_.stale_read;
    opts.request_timeout_ticks = 50;
    for (const auto& id : ids_) opts.client_addrs[id] = id + ":0";
    s.node = std::make_unique<KvRaftNode>(cfg, s.disk, opts);
    s.incarnation++;
  }

  void heal_everything() {
    partitioned_ = false;
    for (int i = 0; i < o_.nodes; ++i)
      if (!slots_[i].node) start(i);
  }

  void nemesis() {
    if (chance(o_.crash_per_tick)) {
      int i = pick(o_.nodes);
      slots_[i].node.reset();  // volatile state and pending replies are gone
    }
    for (int i = 0; i < o_.nodes; ++i)
      if (!slots_[i].node && chance(o_.restart_per_tick)) start(i);
    if (chance(o_.partition_per_tick)) {
      if (partitioned_) {
        partitioned_ = false;
      } else {
        for (auto& s : side_) s = pick(2);
        bool both = std::count(side_.begin(), side_.end(), 0) % o_.nodes != 0;
        partitioned_ = both;
      }
    }
  }

  // ------------------------------------------------------------ node I/O and safety

  void flush(int i) {
    Slot& s = slots_[i];
    KvRaftNode::Output out = s.node->flush();
    // 0. like faultline-raftd, a leader's appends leave before its own fsync; the node may crash
    //    right then, losing everything this flush would have persisted, sent or answered.
    for (const Message& m : out.messages)
      if (m.type == MsgType::App) enqueue(m);
    if (now_ < o_.ticks && chance(o_.crash_before_persist)) {
      slots_[i].node.reset();
      return;
    }
    if (o_.async_persist) {
      // Background fsync: the disk gets the batch later; only App messages and replies now.
      std::vector<Message> held;
      for (const Message& m : out.messages)
        if (m.type != MsgType::App) held.push_back(m);
      bool to_disk = out.hard_state || !out.entries.empty();
      if (!out.entries.empty()) {
        s.written_index = out.entries.back().index;
        s.written_term = out.entries.back().term;
      }
      if (to_disk || (!held.empty() && !s.persisting.empty())) {
        int64_t delay = 0;
        if (to_disk)
          delay = chance(o_.slow_persist) ? 2 + pick(std::max(1, o_.max_persist_delay_ticks - 1))
                                          : pick(2);
        int64_t due = now_ + delay;
        if (!s.persisting.empty()) due = std::max(due, s.persisting.back().due);
        s.persisting.push_back(Batch{due, out.hard_state, std::move(out.entries), std::move(held),
                                     s.written_index, s.written_term});
      } else {
        for (const Message& m : held) enqueue(m);
      }
      out.messages.clear();
    } else {
      persist(i, out.hard_state, out.entries);
    }
    // State machine safety on everything applied.
    for (const Entry& e : out.applied) {
      auto [it, fresh] = applied_.try_emplace(e.index, e);
      if (!fresh && !(it->second == e))
        violate(ViolationKind::StateMachineSafety, "state machine safety: two different entries applied at index " +
                std::to_string(e.index));
    }
    const RaftCore& core = s.node->core();
    if (core.role() == Role::Leader) {
      auto [it, fresh] = leader_of_term_.try_emplace(core.term(), ids_[i]);
      if (fresh) report_.leaders_elected++;
      if (it->second != ids_[i])
        violate(ViolationKind::ElectionSafety, "election safety: " + it->second + " and " + ids_[i] + " both lead term " +
                std::to_string(core.term()));
      for (uint64_t idx = recorded_commit_ + 1; idx <= core.commit_index(); ++idx)
        commit_term_[idx] = {core.term(), core.entry(idx)};
      recorded_commit_ = std::max(recorded_commit_, core.commit_index());
      report_.max_commit = std::max(report_.max_commit, core.commit_index());
    }
    // 2. send
    for (const Message& m : out.messages)
      if (m.type != MsgType::App) enqueue(m);
    // 3. replies
    for (auto& r : out.replies) on_reply(r.token, r.body);
  }

  // 1. persist (to the simulated disk), checking log matching on the way.
  void persist(int i, const std::optional<HardState>& hard, const std::vector<Entry>& entries) {
    Slot& s = slots_[i];
    if (hard) s.disk.hard = *hard;
    for (const Entry& e : entries) {
      if (e.index == 0 || e.index > s.disk.log.size() + 1) {
        violate(ViolationKind::Other, "node " + ids_[i] + " persisted a non-contiguous entry at " + std::to_string(e.index));
        return;
      }
      s.disk.log.resize(e.index - 1);
      s.disk.log.push_back(e);
      uint64_t prev_term = e.index > 1 ? s.disk.log[e.index - 2].term : 0;
      auto [it, fresh] = entries_seen_.try_emplace({e.index, e.term}, e.command, prev_term);
      if (!fresh && (it->second.first != e.command || it->second.second != prev_term))
        violate(ViolationKind::LogMatching, "log matching: (index " + std::to_string(e.index) + ", term " +
                std::to_string(e.term) + ") names different entries on different nodes");
    }
  }

  // async_persist: batches whose delay elapsed reach the disk, in order.
  void complete_persists(int i) {
    Slot& s = slots_[i];
    if (!s.node) {
      s.persisting.clear();  // crashed: whatever was not on disk is gone
      return;
    }
    if (!s.persisting.empty() && now_ < o_.ticks && chance(o_.crash_while_persisting)) {
      s.node.reset();
      s.persisting.clear();
      return;
    }
    bool any = false;
    while (!s.persisting.empty() && s.persisting.front().due <= now_ && report_.ok) {
      Batch b = std::move(s.persisting.front());
      s.persisting.pop_front();
      persist(i, b.hard, b.entries);
      s.node->on_persisted(b.last_index, b.last_term);
      for (const Message& m : b.held) enqueue(m);
      any = true;
    }
    if (any && report_.ok) flush(i);
  }

  void enqueue(const Message& m) {
    if (chance(o_.drop)) return;
    int copies = chance(o_.duplicate) ? 2 : 1;
    for (int c = 0; c < copies; ++c) net_.push_back({now_ + 1 + pick(o_.max_delay_ticks), m});
  }

  void deliver_due() {
    std::vector<InFlight> due;
    std::vector<InFlight> later;
    for (auto& f : net_) (f.at <= now_ ? due : later).push_back(std::move(f));
    net_ = std::move(later);
    std::shuffle(due.begin(), due.end(), rng_);
    for (auto& f : due) {
      if (!report_.ok) return;
      int from = index_of(f.m.from), to = index_of(f.m.to);
      if (partitioned_ && side_[from] != side_[to]) continue;
      if (!slots_[to].node) continue;
      slots_[to].node->on_message(f.m);
      flush(to);
    }
  }

  void check_leader_completeness() {
    for (int i = 0; i < o_.nodes && report_.ok; ++i) {
      if (!slots_[i].node || slots_[i].node->core().role() != Role::Leader) continue;
      const RaftCore& core = slots_[i].node->core();
      for (const auto& [idx, ct] : commit_term_) {
        if (ct.first >= core.term()) continue;
        if (idx > core.last_index() || !(core.entry(idx) == ct.second)) {
          violate(ViolationKind::LeaderCompleteness, "leader completeness: leader " + ids_[i] + " of term " +
                  std::to_string(core.term()) + " lacks entry " + std::to_string(idx) +
                  " committed in term " + std::to_string(ct.first));
          return;
        }
      }
    }
  }

  // ------------------------------------------------------------ clients and history

  void clients_step() {
    for (std::size_t c = 0; c < clients_.size() && report_.ok; ++c) {
      Client& cl = clients_[c];
      if (cl.busy || !chance(0.5)) continue;
      std::string key = "k" + std::to_string(pick(o_.keys));
      int kind = pick(20);
      Json req{{"id", next_token_}, {"key", key}};
      if (kind < 8) {
        req["op"] = "read";
      } else if (kind < 15) {
        req["op"] = "write";
        req["value"] = ++value_counter_;
      } else {
        req["op"] = "cas";
        auto it = last_value_.find(key);
        req["expected"] = it == last_value_.end() ? Json(nullptr) : Json(it->second);
        req["value"] = ++value_counter_;
      }
      if (req["op"] != "read") last_value_[key] = req["value"].get<int64_t>();
      int target = (req["op"] == "read" && chance(o_.read_to_random_node)) ? pick(o_.nodes)
                                                                           : cl.leader_guess;
      if (!slots_[target].node) {  // connection refused: never sent, nothing recorded
        cl.leader_guess = pick(o_.nodes);
        report_.ops_failed++;
        continue;
      }
      cl.busy = true;
      cl.token = next_token_++;
      cl.request = req;
      cl.invoke = ++seq_;
      record(cl, OpType::Invoke, invoke_value(req));
      cl.deadline = now_ + kClientDeadlineTicks;
      token_client_[cl.token] = static_cast<int>(c);
      slots_[target].node->on_request(cl.token, req);
      flush(target);
    }
  }

  void expire_clients() {
    for (auto& cl : clients_)
      if (cl.busy && cl.deadline <= now_) complete(cl, std::nullopt);
  }

  void on_reply(uint64_t token, const Json& body) {
    auto it = token_client_.find(token);
    if (it == token_client_.end()) return;
    Client& cl = clients_[it->second];
    if (!cl.busy || cl.token != token) return;
    complete(cl, body);
  }

  // body == nullopt: the client gave up (info).
  void complete(Client& cl, const std::optional<Json>& body) {
    cl.busy = false;
    token_client_.erase(cl.token);
    const std::string op = cl.request["op"];
    const std::string key = cl.request["key"];
    RegisterOp rop;
    rop.invoke = cl.invoke;
    rop.kind = op == "read" ? RegisterOp::Read : op == "write" ? RegisterOp::Write : RegisterOp::Cas;
    auto as_int = [](const Json& v) { return v.is_null() ? kNull : v.get<int64_t>(); };
    if (op == "write") rop.a = as_int(cl.request["value"]);
    if (op == "cas") {
      rop.a = as_int(cl.request["expected"]);
      rop.b = as_int(cl.request["value"]);
    }
    bool info = !body.has_value();
    if (body && !(*body)["ok"].get<bool>()) {
      auto code = sut::error_code_from_string((*body)["error"].get<std::string>());
      if (!code) {
        violate(ViolationKind::Other, "unknown error code in reply " + body->dump());
        return;
      }
      if (body->contains("leader")) cl.leader_guess = index_of((*body)["leader"]);
      else if (*code != sut::ErrorCode::CasMismatch) cl.leader_guess = pick(o_.nodes);
      if (sut::is_definite(*code)) {
        report_.ops_failed++;
        ++seq_;
        record(cl, OpType::Fail, invoke_value(cl.request));
        return;  // definitely no effect
      }
      info = true;
    }
    if (info) {
      ++seq_;
      record(cl, OpType::Info, invoke_value(cl.request));
      cl.process = next_process_++;  // Jepsen: a process that got info is never reused
      if (op == "read") return;      // an unknown read has no effect and no result
      report_.ops_info++;
      rop.complete = kNever;
    } else {
      report_.ops_ok++;
      rop.complete = ++seq_;
      if (op == "read") rop.a = as_int((*body)["value"]);
      record(cl, OpType::Ok, op == "read" ? (*body)["value"] : invoke_value(cl.request));
    }
    history_[key].push_back(rop);
  }

  // The simulated clients' history in faultline's model: kv with get / put / cas [from to].
  static Json invoke_value(const Json& req) {
    const std::string& op = req["op"].get_ref<const std::string&>();
    if (op == "write") return req["value"];
    if (op == "cas") return Json::array({req["expected"], req["value"]});
    return nullptr;
  }
  void record(const Client& cl, OpType type, Json value) {
    Op op;
    op.time_ns = seq_;
    op.process = cl.process;
    op.type = type;
    const std::string& f = cl.request["op"].get_ref<const std::string&>();
    op.f = f == "read" ? "get" : f == "write" ? "put" : "cas";
    op.key = cl.request["key"];
    op.value = std::move(value);
    client_history_.add(std::move(op));
  }

  // faultline's linearizability checker decides; the small independent oracle must agree.
  void check_histories() {
    if (const char* dump = std::getenv("FAULTLINE_RAFT_SIM_DUMP")) {  // for debugging a seed
      std::ofstream out(dump);
      for (const Op& op : client_history_.ops()) out << op_to_json(op).dump() << "\n";
    }
    auto model = checker::make_model("kv");
    checker::ConsistencyOptions copts;
    copts.threads = 1;
    copts.time_limit_s = 60;
    CheckResult r = checker::check_linearizable(client_history_, *model, copts);
    if (r.verdict == Verdict::Unknown) {
      violate(ViolationKind::Other, "faultline checker gave up: " + r.reason);
      return;
    }
    bool oracle_valid = true;
    for (auto& [key, ops] : history_) oracle_valid &= check_register(ops).linearizable;
    if (r.verdict == Verdict::Invalid) {
      violate(ViolationKind::NonLinearizable, "client history is not linearizable (faultline checker, kv model): " +
              r.anomalies.dump().substr(0, 1500));
      return;
    }
    if (!oracle_valid) {
      std::string detail;
      for (auto& [key, ops] : history_) {
        auto v = check_register(ops);
        if (!v.linearizable) detail = "key " + key + ": " + v.detail;
      }
      violate(ViolationKind::NonLinearizable, "faultline checker says valid but the test oracle finds no linearization: " +
              detail);
      return;
    }
    for (auto& [key, ops] : history_) {
      auto v = check_register(ops);
      if (v.budget_exceeded) {
        violate(ViolationKind::Other, "linearizability check of key " + key + " exceeded its search budget");
        return;
      }
      if (!v.linearizable) {
        violate(ViolationKind::NonLinearizable, "history of key " + key + " is not linearizable: " + v.detail);
        return;
      }
    }
  }

  SimOptions o_;
  std::mt19937_64 rng_;
  SimReport report_;
  int64_t now_ = 0;
  int64_t seq_ = 0;
  std::vector<NodeId> ids_;
  std::vector<Slot> slots_;
  std::vector<InFlight> net_;
  std::vector<int> side_;
  bool partitioned_ = false;
  std::map<uint64_t, NodeId> leader_of_term_;
  std::map<std::pair<uint64_t, uint64_t>, std::pair<std::string, uint64_t>> entries_seen_;
  std::map<uint64_t, Entry> applied_;
  std::map<uint64_t, std::pair<uint64_t, Entry>> commit_term_;  // index -> (term committed, entry)
  uint64_t recorded_commit_ = 0;
  std::vector<Client> clients_;
  std::map<uint64_t, int> token_client_;
  uint64_t next_token_ = 1;
  int64_t value_counter_ = 0;
  std::map<std::string, int64_t> last_value_;
  std::map<std::string, std::vector<RegisterOp>> history_;
  History client_history_;
  int64_t next_process_ = 0;
  uint64_t ok_before_quiet_ = 0;
  uint64_t quiet_ok_ops_ = 0;
};

}  // namespace

const char* to_string(ViolationKind k) {
  switch (k) {
    case ViolationKind::None: return "none";
    case ViolationKind::ElectionSafety: return "election safety";
    case ViolationKind::LogMatching: return "log matching";
    case ViolationKind::LeaderCompleteness: return "leader completeness";
    case ViolationKind::StateMachineSafety: return "state machine safety";
    case ViolationKind::NonLinearizable: return "non-linearizable history";
    case ViolationKind::Liveness: return "liveness";
    case ViolationKind::Other: return "other";
  }
  return "?";
}

SimReport run_simulation(const SimOptions& options) { return Simulation(options).run(); }

}  // namespace faultline::raft::test
