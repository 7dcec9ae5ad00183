// TwoPcCore: construction, recovery, dispatch and status (contract in twopc_core.h); the
// coordinator's half is in coordinator.cpp, the participant's in participant.cpp.
#include "faultline/twopc/twopc_core.h"

#include <stdexcept>

namespace faultline::twopc {

void Outputs::merge(Outputs&& o) {
  auto move_into = [](auto& dst, auto& src) {
    for (auto& x : src) dst.push_back(std::move(x));
  };
  move_into(persist, o.persist);
  move_into(lazy, o.lazy);
  move_into(send, o.send);
  move_into(replies, o.replies);
  move_into(outcomes, o.outcomes);
}

std::size_t shard_of(const std::string& key, std::size_t members) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h % members);
}

TwoPcCore::TwoPcCore(Config config, const std::vector<std::string>& records)
    : cfg_(std::move(config)) {
  if (cfg_.members.empty()) throw std::runtime_error("twopc: no members");
  for (const std::string& r : records) {
    Json j = Json::parse(r, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("r") || !j.contains("txid"))
      throw std::runtime_error("twopc: undecodable log record: " + r.substr(0, 200));
    replay(j);
  }
}

void TwoPcCore::replay(const Json& rec) {
  const std::string kind = rec.at("r").get<std::string>();
  const std::string txid = rec.at("txid").get<std::string>();
  if (kind == "prepare") {
    Prepared p;
    p.coord = rec.at("coord").get<std::string>();
    p.writes = rec.at("writes");
    for (const auto& [k, m] : rec.at("locks").items()) p.locks[k] = m.get<std::string>()[0];
    p.results = rec.at("results");
    if (cfg_.bugs.early_release)  // its shared locks went at the vote, as they did before
      for (auto it = p.locks.begin(); it != p.locks.end();)
        it = it->second == 's' ? p.locks.erase(it) : std::next(it);
    if (!try_lock(txid, p.locks)) throw std::runtime_error("twopc: log holds conflicting locks");
    prepared_[txid] = std::move(p);
  } else if (kind == "commit" || kind == "abort") {
    auto it = prepared_.find(txid);
    if (it != prepared_.end()) {
      if (kind == "commit")
        for (const auto& [k, v] : it->second.writes.items()) data_[k] = v;
      unlock(txid, it->second.locks, false);
      prepared_.erase(it);
    }
    done_.insert(txid);
  } else if (kind == "decision") {
    CoordTxn t;
    t.decided = true;
    for (const auto& p : rec.at("parts")) {
      t.parts[p.get<std::string>()].voted = true;
      t.unacked.insert(p.get<std::string>());
    }
    coord_[txid] = std::move(t);
    committed_.insert(txid);
  } else if (kind == "end") {
    coord_.erase(txid);
  } else {
    throw std::runtime_error("twopc: unknown log record kind " + kind);
  }
}

Outputs TwoPcCore::start() {
  Outputs out;
  for (auto& [txid, t] : coord_)
    for (const auto& p : t.unacked) {
      Json m = msg("decide", p, txid);
      m["commit"] = true;
      out.send.push_back({p, std::move(m)});
    }
  for (auto& [txid, p] : prepared_) {
    out.send.push_back({p.coord, msg("query", p.coord, txid)});
    p.age = cfg_.query_after_ticks;
  }
  return out;
}

Json TwoPcCore::msg(const std::string& rpc, const std::string& to, const std::string& txid) const {
  return Json{{"rpc", rpc}, {"from", cfg_.id}, {"to", to}, {"txid", txid}};
}

Outputs TwoPcCore::on_message(const Json& m) {
  try {
    const std::string rpc = m.at("rpc").get<std::string>();
    const std::string from = m.at("from").get<std::string>();
    if (m.at("to").get<std::string>() != cfg_.id) throw std::runtime_error("misaddressed");
    bool member = false;
    for (const auto& n : cfg_.members) member = member || n == from;
    if (!member) throw std::runtime_error("sender is not a member");
    m.at("txid").get<std::string>();
    if (rpc == "prepare") return on_prepare(from, m);
    if (rpc == "vote") return on_vote(from, m);
    if (rpc == "decide") return on_decide(from, m);
    if (rpc == "ack") return on_ack(from, m);
    if (rpc == "query") return on_query(from, m);
    throw std::runtime_error("unknown rpc");
  } catch (const std::exception&) {
    ++bad_messages_;
    return {};
  }
}

Outputs TwoPcCore::on_client(uint64_t request, const Json& req) {
  const std::string op = req.at("op").get<std::string>();
  if (op == "txn") return begin(request, req.at("ops"), "txn");
  Json micro = req;
  micro.erase("id");
  return begin(request, Json::array({micro}), op);
}

Outputs TwoPcCore::on_tick() {
  Outputs out;
  coord_tick(out);
  participant_tick(out);
  return out;
}

void TwoPcCore::forget_client(uint64_t request) {
  auto it = client_txn_.find(request);
  if (it == client_txn_.end()) return;
  if (auto t = coord_.find(it->second); t != coord_.end()) t->second.client.reset();
  client_txn_.erase(it);
}

Json TwoPcCore::status() const {
  std::size_t voting = 0;
  for (const auto& [txid, t] : coord_) voting += t.decided ? 0 : 1;
  return Json{{"node", cfg_.id},
              {"leader", ""},
              {"role", "participant"},
              {"coordinating", coord_.size()},
              {"voting", voting},
              {"prepared", prepared_.size()},
              {"locked_keys", locks_.size()},
              {"commits", commits_},
              {"aborts", aborts_},
              {"waiting", waiting_.size()},
              {"presumed_commits", presumed_},
              {"keys", data_.size()},
              {"bad_messages", bad_messages_}};
}

}  // namespace faultline::twopc
