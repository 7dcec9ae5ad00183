// TwoPcCore, coordinator half: begin a client's txn, collect votes, decide, drive commits to
// completion, answer participants' queries (presumed abort). Contract in twopc_core.h.
#include "faultline/twopc/twopc_core.h"

namespace faultline::twopc {

Outputs TwoPcCore::begin(uint64_t request, const Json& ops, const std::string& shape) {
  Outputs out;
  std::size_t voting = 0;
  for (const auto& [id, t] : coord_) voting += t.decided ? 0 : 1;
  if (voting >= cfg_.max_inflight) {
    out.replies.push_back({request, false, nullptr, sut::ErrorCode::Unavailable,
                           "too many transactions in flight; retry later"});
    return out;
  }
  const std::string txid = cfg_.id + "." + cfg_.nonce + "." + std::to_string(next_seq_++);
  CoordTxn t;
  t.client = request;
  t.shape = shape;
  t.ops = ops;
  t.results = Json::array();
  std::map<std::string, Json> per_part;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    t.results.push_back(nullptr);
    const std::string& node = cfg_.members[shard_of(ops[i].at("key").get<std::string>(),
                                                    cfg_.members.size())];
    t.parts[node].indexes.push_back(i);
    per_part[node].push_back(Json::array({i, ops[i]}));
  }
  for (auto& [node, part_ops] : per_part) {
    Json m = msg("prepare", node, txid);
    m["ops"] = std::move(part_ops);
    out.send.push_back({node, std::move(m)});
  }
  coord_[txid] = std::move(t);
  client_txn_[request] = txid;
  return out;
}

Outputs TwoPcCore::on_vote(const std::string& from, const Json& m) {
  Outputs out;
  const std::string txid = m.at("txid").get<std::string>();
  auto it = coord_.find(txid);
  if (it == coord_.end() || it->second.decided) return out;  // late, duplicate or forgotten
  CoordTxn& t = it->second;
  auto part = t.parts.find(from);
  if (part == t.parts.end() || part->second.voted) return out;
  if (!m.at("yes").get<bool>()) {
    const std::string reason = m.value("reason", "conflict");
    if (reason == "cas-mismatch") {
      decide_abort(txid, sut::ErrorCode::CasMismatch,
                   "a cas on shard " + from + " saw another value; txn aborted", out);
    } else {
      decide_abort(txid, sut::ErrorCode::Unavailable,
                   "shard " + from + " could not lock its keys (held by another txn); aborted",
                   out);
    }
    return out;
  }
  for (const auto& r : m.at("results")) {
    const std::size_t idx = r.at(0).get<std::size_t>();
    if (idx < t.results.size()) t.results[idx] = r.at(1);
  }
  part->second.voted = true;
  for (const auto& [node, p] : t.parts)
    if (!p.voted) return out;
  decide_commit(txid, out);
  return out;
}

void TwoPcCore::decide_commit(const std::string& txid, Outputs& out) {
  CoordTxn& t = coord_.at(txid);
  t.decided = true;
  t.since_send = 0;
  Json parts = Json::array();
  for (const auto& [node, p] : t.parts) {
    parts.push_back(node);
    t.unacked.insert(node);
  }
  if (!cfg_.bugs.no_decision_log)
    out.persist.push_back(Json{{"r", "decision"}, {"txid", txid}, {"parts", parts}}.dump());
  committed_.insert(txid);
  ++commits_;
  for (const auto& node : t.unacked) {
    Json m = msg("decide", node, txid);
    m["commit"] = true;
    out.send.push_back({node, std::move(m)});
  }
  if (t.client) {
    out.replies.push_back({*t.client, true, client_value(t), sut::ErrorCode::Unavailable, ""});
    client_txn_.erase(*t.client);
    t.client.reset();
  }
}

void TwoPcCore::decide_abort(const std::string& txid, sut::ErrorCode code, const std::string& why,
                             Outputs& out) {
  auto it = coord_.find(txid);
  CoordTxn& t = it->second;
  for (const auto& [node, p] : t.parts) {
    Json m = msg("decide", node, txid);
    m["commit"] = false;
    out.send.push_back({node, std::move(m)});
  }
  if (t.client) {
    out.replies.push_back({*t.client, false, nullptr, code, why});
    client_txn_.erase(*t.client);
  }
  ++aborts_;
  coord_.erase(it);
}

Json TwoPcCore::client_value(const CoordTxn& t) const {
  if (t.shape == "txn") return t.results;
  if (t.shape == "read") return t.results.at(0).value("value", Json());
  return nullptr;  // write, cas, append
}

Outputs TwoPcCore::on_ack(const std::string& from, const Json& m) {
  Outputs out;
  const std::string txid = m.at("txid").get<std::string>();
  auto it = coord_.find(txid);
  if (it == coord_.end() || !it->second.decided) return out;
  it->second.unacked.erase(from);
  if (it->second.unacked.empty()) {
    if (!cfg_.bugs.no_decision_log) out.lazy.push_back(Json{{"r", "end"}, {"txid", txid}}.dump());
    coord_.erase(it);
  }
  return out;
}

Outputs TwoPcCore::on_query(const std::string& from, const Json& m) {
  Outputs out;
  const std::string txid = m.at("txid").get<std::string>();
  auto it = coord_.find(txid);
  if (it != coord_.end() && !it->second.decided) return out;  // still collecting votes
  Json d = msg("decide", from, txid);
  d["commit"] = committed_.count(txid) > 0;  // never heard of it: presumed abort
  out.send.push_back({from, std::move(d)});
  return out;
}

void TwoPcCore::coord_tick(Outputs& out) {
  std::vector<std::string> expired;
  for (auto& [txid, t] : coord_) {
    ++t.age;
    if (!t.decided) {
      if (t.age >= cfg_.vote_timeout_ticks) expired.push_back(txid);
      continue;
    }
    if (++t.since_send < cfg_.retry_ticks) continue;
    t.since_send = 0;
    for (const auto& node : t.unacked) {
      Json m = msg("decide", node, txid);
      m["commit"] = true;
      out.send.push_back({node, std::move(m)});
    }
  }
  for (const auto& txid : expired) {
    std::string missing;
    for (const auto& [node, p] : coord_.at(txid).parts)
      if (!p.voted) missing += (missing.empty() ? "" : ", ") + node;
    decide_abort(txid, sut::ErrorCode::Unavailable,
                 "no vote from " + missing + " in time; txn aborted", out);
  }
}

}  // namespace faultline::twopc
