// TwoPcCore, participant half: lock and prepare a shard's micro-ops, vote, install or drop on
// the decision, ask a silent coordinator again. Contract in twopc_core.h.
#include "faultline/twopc/twopc_core.h"

namespace faultline::twopc {

bool TwoPcCore::try_lock(const std::string& txid, const std::map<std::string, char>& want) {
  for (const auto& [key, mode] : want) {
    auto it = locks_.find(key);
    if (it == locks_.end()) continue;
    const Lock& l = it->second;
    if (!l.exclusive.empty() && l.exclusive != txid) return false;
    if (mode == 'x' && !(l.shared.empty() || (l.shared.size() == 1 && l.shared.count(txid))))
      return false;
  }
  for (const auto& [key, mode] : want) {
    Lock& l = locks_[key];
    if (mode == 'x') l.exclusive = txid;
    else l.shared.insert(txid);
  }
  return true;
}

void TwoPcCore::unlock(const std::string& txid, const std::map<std::string, char>& held,
                       bool shared_only) {
  for (const auto& [key, mode] : held) {
    if (shared_only && mode != 's') continue;
    auto it = locks_.find(key);
    if (it == locks_.end()) continue;
    if (it->second.exclusive == txid) it->second.exclusive.clear();
    it->second.shared.erase(txid);
    if (it->second.exclusive.empty() && it->second.shared.empty()) locks_.erase(it);
  }
}

Outputs TwoPcCore::on_prepare(const std::string& from, const Json& m) {
  Outputs out;
  const std::string txid = m.at("txid").get<std::string>();
  if (auto it = prepared_.find(txid); it != prepared_.end()) {  // duplicate: same vote again
    Json vote = msg("vote", from, txid);
    vote["yes"] = true;
    vote["results"] = it->second.results;
    out.send.push_back({from, std::move(vote)});
    return out;
  }
  // Decided already (the coordinator has moved on), or already waiting for its locks.
  if (done_.count(txid) || waiting_.count(txid)) return out;
  for (const auto& e : m.at("ops")) {  // validate before anything is locked
    e.at(0).get<std::size_t>();
    e.at(1).at("key").get<std::string>();
    e.at(1).at("op").get<std::string>();
  }
  if (prepare_now(from, m, out)) return out;
  if (cfg_.lock_wait_ticks == 0) {
    Json vote = msg("vote", from, txid);
    vote["yes"] = false;
    vote["reason"] = "conflict";
    out.send.push_back({from, std::move(vote)});
  } else {
    waiting_[txid] = Waiting{from, m, 0};
  }
  return out;
}

void TwoPcCore::retry_waiting(Outputs& out, bool tick) {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (tick) ++it->second.age;
    if (prepare_now(it->second.from, it->second.msg, out)) {
      it = waiting_.erase(it);
    } else if (it->second.age >= cfg_.lock_wait_ticks) {
      Json vote = msg("vote", it->second.from, it->first);
      vote["yes"] = false;
      vote["reason"] = "conflict";
      out.send.push_back({it->second.from, std::move(vote)});
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
}

// Locks and evaluates a prepare, persists it and votes; false (nothing changed) while another
// txn holds a lock it needs.
bool TwoPcCore::prepare_now(const std::string& from, const Json& m, Outputs& out) {
  const std::string txid = m.at("txid").get<std::string>();
  Json vote = msg("vote", from, txid);
  const Json& ops = m.at("ops");
  std::map<std::string, char> want;
  for (const auto& e : ops) {
    const Json& op = e.at(1);
    char& mode = want[op.at("key").get<std::string>()];
    if (op.at("op").get<std::string>() != "read") mode = 'x';
    else if (mode != 'x') mode = 's';
  }
  if (!try_lock(txid, want)) return false;
  // Evaluate on this shard, reads seeing the txn's own earlier writes.
  Json writes = Json::object();
  Json results = Json::array();
  auto current = [&](const std::string& key) -> Json {
    if (writes.contains(key)) return writes[key];
    auto it = data_.find(key);
    return it == data_.end() ? Json(nullptr) : it->second;
  };
  for (const auto& e : ops) {
    const Json& op = e.at(1);
    const std::string name = op.at("op").get<std::string>();
    const std::string key = op.at("key").get<std::string>();
    Json r{{"op", name}, {"key", key}};
    if (name == "read") {
      r["value"] = current(key);
    } else if (name == "cas" && current(key) != op.at("expected")) {
      unlock(txid, want, false);
      vote["yes"] = false;
      vote["reason"] = "cas-mismatch";
      out.send.push_back({from, std::move(vote)});
      return true;
    } else if (name == "append") {
      Json list = current(key);
      if (!list.is_array()) list = Json::array();
      list.push_back(op.at("value"));
      writes[key] = std::move(list);
      r["value"] = op.at("value");
    } else {  // write, cas
      writes[key] = op.at("value");
      if (name == "cas") r["expected"] = op.at("expected");
      r["value"] = op.at("value");
    }
    results.push_back(Json::array({e.at(0), std::move(r)}));
  }
  Json locks = Json::object();
  for (const auto& [k, mode] : want) locks[k] = std::string(1, mode);
  out.persist.push_back(Json{{"r", "prepare"}, {"txid", txid}, {"coord", from},
                             {"writes", writes}, {"locks", locks}, {"results", results}}
                            .dump());
  vote["yes"] = true;
  vote["results"] = results;
  out.send.push_back({from, std::move(vote)});
  Prepared p{from, std::move(writes), std::move(want), std::move(results)};
  if (cfg_.bugs.early_release) unlock(txid, p.locks, /*shared_only=*/true);
  prepared_[txid] = std::move(p);
  return true;
}

Outputs TwoPcCore::on_decide(const std::string& from, const Json& m) {
  Outputs out;
  const std::string txid = m.at("txid").get<std::string>();
  const bool commit = m.at("commit").get<bool>();
  if (prepared_.count(txid)) {
    finish(txid, commit, out);
    retry_waiting(out, false);
  } else if (!commit) {
    done_.insert(txid);  // a late prepare of it must not lock anything
    waiting_.erase(txid);
  }
  out.send.push_back({from, msg("ack", from, txid)});
  return out;
}

void TwoPcCore::finish(const std::string& txid, bool commit, Outputs& out) {
  auto it = prepared_.find(txid);
  Prepared& p = it->second;
  // Both outcomes are durable before the ack: a later prepare record taking these locks must
  // never be replayed next to this one still prepared.
  out.persist.push_back(Json{{"r", commit ? "commit" : "abort"}, {"txid", txid}}.dump());
  if (commit)
    for (const auto& [k, v] : p.writes.items()) data_[k] = v;
  unlock(txid, p.locks, false);
  prepared_.erase(it);
  done_.insert(txid);
  out.outcomes.push_back({txid, commit});
}

void TwoPcCore::participant_tick(Outputs& out) {
  std::vector<std::string> presumed;
  for (auto& [txid, p] : prepared_) {
    ++p.age;
    if (cfg_.bugs.presume_commit && p.age >= cfg_.presume_commit_ticks) {
      presumed.push_back(txid);
      continue;
    }
    if (p.age < cfg_.query_after_ticks || ++p.since_query < cfg_.retry_ticks) continue;
    p.since_query = 0;
    out.send.push_back({p.coord, msg("query", p.coord, txid)});
  }
  for (const auto& txid : presumed) {
    finish(txid, true, out);
    ++presumed_;
  }
  retry_waiting(out, true);
}

}  // namespace faultline::twopc
