#include "twopc_sim.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>

namespace faultline::twopc::sim {
namespace {

// prefix + n, built by appending (GCC 12 warns falsely on "literal" + std::to_string(n)).
std::string named(const char* prefix, long long n) {
  std::string s = prefix;
  s += std::to_string(n);
  return s;
}

struct InFlight {
  int at = 0;
  Envelope e;
};

struct Node {
  std::string id;
  std::unique_ptr<TwoPcCore> core;  // null while down
  std::vector<std::string> disk;    // durable records
  int up_at = 0;
  int incarnation = 0;
};

class Sim {
 public:
  explicit Sim(const SimOptions& o) : o_(o), rng_(o.seed) {
    for (int i = 0; i < 3; ++i) nodes_.push_back(Node{named("n", i + 1), {}, {}, 0, 0});
    for (auto& n : nodes_) restart(n);
  }

  SimResult run() {
    for (now_ = 0; now_ < o_.ticks + o_.quiet_ticks; ++now_) {
      const bool faulty = now_ < o_.ticks;
      if (now_ == o_.ticks)
        for (auto& n : nodes_)
          if (!n.core) restart(n);
      for (auto& n : nodes_) {
        if (!n.core && faulty && now_ >= n.up_at) restart(n);
        if (n.core && faulty && chance(o_.crash)) crash(n);
      }
      deliver(faulty);
      if (faulty && chance(o_.txn_rate)) submit();
      for (auto& n : nodes_)
        if (n.core) handle(n, n.core->on_tick(), faulty);
    }
    return finish();
  }

 private:
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  Node& node(const std::string& id) { return nodes_.at(std::stoi(id.substr(1)) - 1); }

  Config config(const Node& n) {
    Config c;
    c.id = n.id;
    c.members = {"n1", "n2", "n3"};
    c.bugs = o_.bugs;
    c.nonce = std::to_string(n.incarnation);
    c.vote_timeout_ticks = 20;
    c.query_after_ticks = 15;
    c.retry_ticks = 8;
    c.presume_commit_ticks = 15;
    return c;
  }

  void restart(Node& n) {
    ++n.incarnation;
    n.core = std::make_unique<TwoPcCore>(config(n), n.disk);
    handle(n, n.core->start(), true);
  }

  void crash(Node& n) {
    n.core.reset();
    n.up_at = now_ + uniform(o_.down_min, o_.down_max);
    ++result_.crashes;
  }

  void handle(Node& n, Outputs out, bool faulty) {
    for (auto& r : out.persist) n.disk.push_back(std::move(r));
    for (auto& r : out.lazy)
      if (!faulty || chance(0.5)) n.disk.push_back(std::move(r));  // maybe never synced
    for (auto& e : out.send) {
      if (faulty && chance(o_.drop)) continue;
      int copies = faulty && chance(o_.duplicate) ? 2 : 1;
      for (int c = 0; c < copies; ++c)
        net_.push_back({now_ + uniform(1, faulty ? o_.max_delay : 1), e});
    }
    for (const auto& r : out.replies) {
      auto it = client_txid_.find(r.request);
      if (it == client_txid_.end()) continue;
      if (r.ok) acked_.insert(it->second);
      client_txid_.erase(it);
    }
    for (const auto& oc : out.outcomes) {
      auto& sides = outcomes_[oc.txid];
      sides[oc.commit ? 1 : 0].insert(n.id);
      if (oc.commit) ++result_.participant_commits;
    }
  }

  void deliver(bool faulty) {
    std::vector<InFlight> due, later;
    for (auto& m : net_) (m.at <= now_ ? due : later).push_back(std::move(m));
    net_ = std::move(later);
    if (faulty) std::shuffle(due.begin(), due.end(), rng_);
    for (auto& m : due) {
      Node& to = node(m.e.to);
      if (to.core) handle(to, to.core->on_message(m.e.msg), faulty);
    }
  }

  void submit() {
    std::vector<Node*> up;
    for (auto& n : nodes_)
      if (n.core) up.push_back(&n);
    if (up.empty()) return;
    Node& n = *up[uniform(0, static_cast<int>(up.size()) - 1)];
    Json ops = Json::array();
    const int len = uniform(2, 4);
    for (int i = 0; i < len; ++i) {
      const std::string key = named("k", uniform(0, o_.keys - 1));
      const int kind = uniform(0, 2);
      if (kind == 0) ops.push_back({{"op", "read"}, {"key", key}});
      else if (kind == 1) ops.push_back({{"op", "write"}, {"key", key}, {"value", next_value_}});
      else ops.push_back({{"op", "append"}, {"key", key}, {"value", next_value_}});
      ++next_value_;
    }
    const uint64_t handle_id = next_request_++;
    // The txid the coordinator will assign: <node>.<nonce>.<seq>, seq counted here per core.
    const std::string txid = n.id + "." + std::to_string(n.incarnation) + "." +
                             std::to_string(seq_[n.id + "." + std::to_string(n.incarnation)]++);
    client_txid_[handle_id] = txid;
    ++result_.txns;
    handle(n, n.core->on_client(handle_id, Json{{"id", 0}, {"op", "txn"}, {"ops", ops}}), true);
  }

  SimResult finish() {
    for (const auto& [txid, sides] : outcomes_) {
      if (!sides[0].empty() && !sides[1].empty()) {
        std::string s = txid;
        s += " committed on";
        for (const auto& n : sides[1]) s.append(" ").append(n);
        s += ", aborted on";
        for (const auto& n : sides[0]) s.append(" ").append(n);
        result_.atomicity_violations.push_back(s);
      }
    }
    for (const auto& txid : acked_) {
      auto it = outcomes_.find(txid);
      if (it == outcomes_.end() || !it->second[0].empty()) result_.acked_not_applied.push_back(txid);
    }
    result_.acked_commits = static_cast<int>(acked_.size());
    for (auto& n : nodes_)
      if (n.core) result_.blocked_at_end += n.core->status()["prepared"].get<int>();
    return result_;
  }

  SimOptions o_;
  std::mt19937_64 rng_;
  std::vector<Node> nodes_;
  std::vector<InFlight> net_;
  int now_ = 0;
  int64_t next_value_ = 1;
  uint64_t next_request_ = 1;
  std::map<std::string, uint64_t> seq_;
  std::map<uint64_t, std::string> client_txid_;
  std::set<std::string> acked_;
  std::map<std::string, std::array<std::set<std::string>, 2>> outcomes_;  // txid -> {aborted, committed}
  SimResult result_;
};

}  // namespace

SimResult run_sim(const SimOptions& options) { return Sim(options).run(); }

}  // namespace faultline::twopc::sim
