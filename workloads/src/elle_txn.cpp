// See elle_txn.h.
#include "elle_txn.h"

#include "kv_common.h"

#include <stdexcept>

#include <faultline/checker/txn/check_transactional.h>
#include <faultline/checker/txn/consistency_models.h>

namespace faultline::workloads::elle {

using checker::txn::TxnModel;

TxnParams TxnParams::from(const WorkloadOptions& o) {
  TxnParams p;
  p.keys = o.key_count > 0 ? o.key_count : o.params.value("keys", int64_t{5});
  p.max_txn_length = o.params.value("max_txn_length", int64_t{4});
  p.read_fraction = o.params.value("read_fraction", 0.5);
  p.consistency = o.params.value("consistency", std::string("serializable"));
  p.sequential_keys = o.params.value("sequential_keys", false);
  p.linearizable_keys = o.params.value("linearizable_keys", false);
  p.render_svg = o.params.value("render_svg", true);
  if (p.keys < 1) throw std::invalid_argument("txn workload: keys must be >= 1");
  if (p.max_txn_length < 1 || p.max_txn_length >= kValueStride)
    throw std::invalid_argument("txn workload: max_txn_length must be in 1.." +
                                std::to_string(kValueStride - 1));
  if (!(p.read_fraction >= 0 && p.read_fraction <= 1))
    throw std::invalid_argument("txn workload: read_fraction must be in [0, 1]");
  if (!checker::txn::is_transactional_model(p.consistency)) {
    std::string names;
    for (const auto& n : checker::txn::transactional_model_names())
      names += (names.empty() ? "" : ", ") + n;
    throw std::invalid_argument("txn workload: unknown consistency '" + p.consistency +
                                "' (known: " + names + ")");
  }
  return p;
}

Json expand_txn(int64_t n, const TxnParams& p, TxnModel model) {
  Rng rng{static_cast<uint64_t>(n) * 0x9E3779B97F4A7C15ULL ^ 0x5851F42D4C957F2DULL};
  const int64_t len = rng.uniform_int(1, p.max_txn_length);
  Json txn = Json::array();
  for (int64_t i = 0; i < len; ++i) {
    const int64_t k = rng.uniform_int(0, p.keys - 1);
    if (rng.uniform01() < p.read_fraction) {
      txn.push_back({"r", k, nullptr});
    } else {
      txn.push_back({model == TxnModel::ListAppend ? "append" : "w", k, n * kValueStride + i + 1});
    }
  }
  return txn;
}

namespace {

// The micro-ops with every read's value nulled.
Json strip_reads(const Json& txn) {
  Json out = txn;
  for (Json& m : out)
    if (m.is_array() && m.size() >= 2 && m[0] == "r") {
      if (m.size() == 3) m[2] = nullptr; else m.push_back(nullptr);
    }
  return out;
}

std::string fname(const Json& m) {
  std::string f = m.is_array() && !m.empty() && m[0].is_string() ? m[0].get<std::string>() : "";
  if (!f.empty() && f[0] == ':') f.erase(0, 1);
  return f;
}

}  // namespace

std::vector<std::string> ElleTxnWorkload::required_ops() const {
  return {"txn", "read", model_ == TxnModel::ListAppend ? "append" : "write"};
}

void ElleTxnWorkload::configure(GeneratorConfig& config, const WorkloadOptions& opts) const {
  const TxnParams p = TxnParams::from(opts);
  {
    std::lock_guard<std::mutex> lock(mu_);
    params_ = p;
  }
  const int64_t duration =
      opts.time_limit_ns > 0 ? opts.time_limit_ns : int64_t{365} * 24 * 3600 * 1'000'000'000;
  config.phases = {Phase{{OpTemplate{"txn", 1.0, ValueKind::NextUniqueInt}}, duration}};
  config.final_ops.clear();
}

void ElleTxnWorkload::prepare(Op& inv) const {
  if (!inv.value.is_number_integer()) return;
  std::lock_guard<std::mutex> lock(mu_);
  inv.value = expand_txn(inv.value.get<int64_t>(), params_, model_);
}

Op ElleTxnWorkload::invoke(const Op& inv, SutClient& client) const {
  Json txn;
  if (inv.value.is_array()) {
    txn = inv.value;
  } else if (inv.value.is_number_integer()) {
    std::lock_guard<std::mutex> lock(mu_);
    txn = expand_txn(inv.value.get<int64_t>(), params_, model_);
  } else {
    return detail::failed(
        inv, "txn workload: invocation value must be a txn seed or a list of micro-ops, got " +
                 inv.value.dump());
  }
  Json ops = Json::array();
  for (const Json& m : txn) {
    const std::string f = fname(m);
    if (m.size() < 2 || (f != "r" && f != "append" && f != "w")) {
      Op op = detail::failed(inv, "txn workload: bad micro-op " + m.dump());
      op.value = txn;
      return op;
    }
    const std::string key = detail::sut_key(m[1], prefix_);
    if (f == "r") {
      ops.push_back({{"op", "read"}, {"key", key}});
    } else {
      ops.push_back({{"op", f == "w" ? "write" : "append"}, {"key", key},
                     {"value", m.size() == 3 ? m[2] : Json()}});
    }
  }
  Reply reply = client.call({{"op", "txn"}, {"ops", ops}});
  if (!reply.ok) {
    Op op = complete_from_reply(inv, reply, nullptr);
    op.value = strip_reads(txn);
    return op;
  }
  auto malformed = [&](const std::string& why) {
    Op op = completion(inv, OpType::Info);
    op.error = "malformed-reply: " + why;
    op.value = strip_reads(txn);
    return op;
  };
  if (!reply.value.is_array() || reply.value.size() != txn.size())
    return malformed("expected " + std::to_string(txn.size()) + " micro-op results, got " +
                     reply.value.dump());
  Json done = txn;
  for (size_t i = 0; i < txn.size(); ++i) {
    const Json& res = reply.value[i];
    if (!res.is_object() || res.value("op", Json()) != ops[i]["op"] ||
        res.value("key", Json()) != ops[i]["key"])
      return malformed("result " + std::to_string(i) + " " + res.dump() + " does not answer " +
                       ops[i].dump());
    if (fname(txn[i]) != "r") continue;
    Json v = res.value("value", Json());
    if (model_ == TxnModel::ListAppend) {
      if (v.is_null()) v = Json::array();
      if (!v.is_array()) return malformed("read of a list returned " + v.dump());
    }
    if (done[i].size() == 3) done[i][2] = std::move(v); else done[i].push_back(std::move(v));
  }
  return complete_from_reply(inv, reply, done);
}

Json ElleTxnWorkload::check(const History& history, const WorkloadOptions& opts) const {
  const std::string model_name = model_ == TxnModel::ListAppend ? "list-append" : "rw-register";
  TxnParams p;
  try {
    p = TxnParams::from(opts);
  } catch (const std::exception& e) {
    return {{"valid", "unknown"}, {"reason", e.what()}, {"model", model_name}};
  }
  History h = history;
  Json counts = {{"ok", 0}, {"fail", 0}, {"info", 0}, {"pending", 0}, {"malformed_replies", 0}};
  std::string first_malformed;
  try {
    if (!h.paired()) h.pair();
    for (size_t i = 0; i < h.size(); ++i) {
      Op& inv = h.mutable_ops()[i];
      if (!inv.is_client() || inv.type != OpType::Invoke) continue;
      if (inv.f != "txn") {
        return {{"valid", "unknown"}, {"model", model_name},
                {"reason", "op " + std::to_string(inv.index) + " is '" + inv.f +
                               "', not a txn; the transactional checker cannot judge it"}};
      }
      const int64_t c = h.completion(i);
      Op* done = c >= 0 ? &h.mutable_ops()[static_cast<size_t>(c)] : nullptr;
      if (!done) {
        counts["pending"] = counts["pending"].get<int64_t>() + 1;
      } else {
        const char* t = done->type == OpType::Ok ? "ok" : done->type == OpType::Fail ? "fail" : "info";
        counts[t] = counts[t].get<int64_t>() + 1;
        if (done->error.is_string() &&
            done->error.get<std::string>().rfind("malformed-reply", 0) == 0) {
          counts["malformed_replies"] = counts["malformed_replies"].get<int64_t>() + 1;
          if (first_malformed.empty())
            first_malformed = "op " + std::to_string(done->index) + ": " + done->error.get<std::string>();
        }
      }
      Json txn;
      if (done && done->value.is_array()) txn = strip_reads(done->value);
      else if (inv.value.is_array()) txn = strip_reads(inv.value);
      else if (inv.value.is_number_integer()) txn = expand_txn(inv.value.get<int64_t>(), p, model_);
      else continue;  // left as is: the checker names the op
      inv.value = txn;
      if (done && done->type != OpType::Ok && !done->value.is_array()) done->value = txn;
    }
  } catch (const std::exception& e) {
    return {{"valid", "unknown"}, {"model", model_name},
            {"reason", std::string("history cannot be prepared for the checker: ") + e.what()}};
  }
  checker::txn::TxnCheckOptions o;
  o.model = model_;
  o.consistency = p.consistency;
  o.sequential_keys = p.sequential_keys;
  o.linearizable_keys = p.linearizable_keys;
  o.render_svg = p.render_svg;
  Json out;
  try {
    out = checker::txn::check_transactional(h, o).to_json();
  } catch (const std::exception& e) {
    return {{"valid", "unknown"}, {"model", model_name}, {"txn_counts", counts},
            {"reason", std::string("the transactional checker rejected the history: ") + e.what()}};
  }
  out["model"] = model_name;
  out["consistency"] = p.consistency;
  out["txn_counts"] = counts;
  if (out["valid"] == true) {
    if (counts["ok"] == 0) {
      out["valid"] = "unknown";
      out["reason"] = "no transaction committed, so there is nothing to judge";
    } else if (!first_malformed.empty()) {
      out["valid"] = "unknown";
      out["reason"] = "the system sent replies that do not answer the request (" + first_malformed +
                      "), so those transactions could not be judged";
    }
  }
  return out;
}

}  // namespace faultline::workloads::elle
