#include "kv_common.h"

#include <algorithm>
#include <chrono>
#include <map>

#include <faultline/checker/linearizability.h>
#include <faultline/core/error.h>

namespace faultline::workloads::detail {

std::string sut_key(const Json& key, const std::string& prefix) {
  return prefix + (key.is_string() ? key.get<std::string>() : key.dump());
}

Json read_request(const std::string& key) { return {{"op", "read"}, {"key", key}}; }
Json write_request(const std::string& key, const Json& value) {
  return {{"op", "write"}, {"key", key}, {"value", value}};
}
Json cas_request(const std::string& key, const Json& expected, const Json& value) {
  return {{"op", "cas"}, {"key", key}, {"expected", expected}, {"value", value}};
}

void set_independent_keys(GeneratorConfig& config, const WorkloadOptions& opts,
                          int64_t ops_default, int per_key_processes) {
  config.independent_keys = true;
  config.ops_per_key = opts.ops_per_key > 0 ? opts.ops_per_key : ops_default;
  config.keys_in_flight = opts.keys_in_flight > 0
                              ? opts.keys_in_flight
                              : std::max(1, opts.concurrency / std::max(1, per_key_processes));
}

Phase single_phase(std::vector<OpTemplate> mix, const WorkloadOptions& opts) {
  return Phase{std::move(mix), opts.time_limit_ns > 0 ? opts.time_limit_ns : 60'000'000'000};
}

int64_t run_long_phase_ns(const WorkloadOptions& opts) {
  return opts.time_limit_ns > 0 ? opts.time_limit_ns : int64_t{365} * 24 * 3600 * 1'000'000'000;
}

void final_op_per_process(GeneratorConfig& config, const WorkloadOptions& opts, OpTemplate op) {
  config.final_ops.assign(static_cast<size_t>(std::max(1, opts.concurrency)), std::move(op));
}

Op failed(const Op& invocation, std::string error) {
  Op op = completion(invocation, OpType::Fail);
  op.error = std::move(error);
  return op;
}

Op unknown_f(const Op& invocation) { return failed(invocation, "unknown f '" + invocation.f + "'"); }

Json null_as_empty_list(const Json& value) { return value.is_null() ? Json::array() : value; }

std::vector<int64_t> completion_positions(const std::vector<Op>& ops) {
  std::map<int64_t, size_t> open;
  std::vector<int64_t> completion_of(ops.size(), -1);
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (!op.is_client()) continue;
    if (op.type == OpType::Invoke) {
      open[op.process] = i;
    } else if (auto it = open.find(op.process); it != open.end()) {
      completion_of[it->second] = static_cast<int64_t>(i);
      open.erase(it);
    }
  }
  return completion_of;
}

void push_capped(Json& list, int64_t& count, Json entry, size_t cap) {
  ++count;
  if (list.size() < cap) list.push_back(std::move(entry));
}

void OutcomeCounts::add(OpType type) {
  if (type == OpType::Ok) ++ok;
  else if (type == OpType::Fail) ++fail;
  else ++info;
}

Json OutcomeCounts::to_json() const { return {{"ok", ok}, {"fail", fail}, {"info", info}}; }

std::optional<Json> pair_or_unknown(History& h) {
  try {
    h.pair();
  } catch (const std::exception& e) {
    return Json{{"valid", "unknown"}, {"error", std::string("malformed history: ") + e.what()}};
  }
  return std::nullopt;
}

Op read_then_cas(const Op& invocation, SutClient& client, const ReadThenCas& how,
                 const CasPlan& plan) {
  for (int attempt = 0; attempt < how.attempts; ++attempt) {
    const Reply rd = client.call(read_request(how.key));
    if (!rd.ok) return failed(invocation, how.read_error_prefix + rd.error);
    Json next, ok_value;
    if (std::optional<Op> done = plan(rd.value, next, ok_value)) return std::move(*done);
    Reply cas;
    try {
      cas = client.call(cas_request(how.key, rd.value, next));
    } catch (const Indeterminate& e) {
      if (!how.record_maybe) throw;
      Op op = completion(invocation, OpType::Info);
      op.value = {{"maybe", ok_value}};
      op.error = std::string("indeterminate: ") + e.what();
      return op;
    }
    if (cas.ok) return complete_from_reply(invocation, cas, ok_value);
    if (cas.error == "cas-mismatch") continue;
    Op op = complete_from_reply(invocation, cas, nullptr);
    if (how.record_maybe && op.type == OpType::Info) op.value = {{"maybe", ok_value}};
    return op;
  }
  return failed(invocation, "cas-mismatch");
}

namespace {

Json to_indexes(const History& h, const Json& positions) {
  Json out = Json::array();
  for (const Json& p : positions) out.push_back(h.ops()[p.get<size_t>()].index);
  return out;
}

}  // namespace

Json check_per_key_linearizable(const History& history, const checker::Model& model,
                                const WorkloadOptions& opts) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::map<std::string, std::pair<Json, std::vector<Op>>> by_key;  // key dump -> (key, ops)
  int64_t client_ops = 0;
  for (const Op& op : history.ops()) {
    if (op.is_nemesis()) continue;
    auto& slot = by_key[op.key.dump()];
    slot.first = op.key;
    slot.second.push_back(op);
    if (op.type == OpType::Invoke) ++client_ops;
  }
  Json failures = Json::array();
  Json unknown = Json::array();
  int64_t keys_valid = 0;
  for (auto& [dump, entry] : by_key) {
    const Json& key = entry.first;
    History sub(std::move(entry.second));
    checker::ConsistencyOptions o;
    o.threads = 1;
    if (opts.check_timeout_s > 0) {
      const double spent = std::chrono::duration<double>(Clock::now() - start).count();
      const double left = opts.check_timeout_s - spent;
      if (left <= 0) {
        unknown.push_back({{"key", key}, {"reason", "check timeout before this key"}});
        continue;
      }
      o.time_limit_s = left;
    }
    CheckResult r;
    try {
      sub.pair();
      r = checker::check_consistency(sub, model, o);
    } catch (const checker::ModelError& e) {
      return {{"valid", "unknown"}, {"model", std::string(model.name())},
              {"error", e.what()}, {"key", key}};
    } catch (const HistoryError& e) {
      return {{"valid", "unknown"}, {"model", std::string(model.name())},
              {"error", std::string("malformed history: ") + e.what()}, {"key", key}};
    }
    if (r.verdict == Verdict::Valid) {
      ++keys_valid;
      continue;
    }
    if (r.verdict == Verdict::Unknown) {
      unknown.push_back({{"key", key}, {"reason", r.reason}});
      continue;
    }
    Json f = {{"key", key}, {"max_linearized", r.witness.value("max_linearized", 0)}};
    Json prefixes = Json::array();
    for (const Json& p : r.witness.value("prefixes", Json::array())) {
      prefixes.push_back({{"order", to_indexes(sub, p.at("order"))}, {"state", p.at("state")}});
    }
    f["prefixes"] = std::move(prefixes);
    if (r.witness.contains("op")) {
      const size_t pos = r.witness["op"].get<size_t>();
      const Op& inv = sub.ops()[pos];
      const int64_t cpos = sub.completion(pos);
      f["op"] = inv.index;
      f["ops"] = Json::array({inv.index});
      f["f"] = inv.f;
      f["invoke_value"] = inv.value;
      std::string outcome = "still pending";
      if (cpos >= 0) {
        const Op& done = sub.ops()[static_cast<size_t>(cpos)];
        f["ops"].push_back(done.index);
        f["type"] = std::string(to_string(done.type));
        f["result"] = done.value;
        outcome = std::string(to_string(done.type)) + " with value " + done.value.dump();
      }
      std::string states;
      for (const Json& p : f["prefixes"]) {
        states += (states.empty() ? "" : ", ") + p["state"].dump();
      }
      f["explanation"] = "key " + key.dump() + ": " + inv.f + " (op " +
                         std::to_string(inv.index) + ", " + outcome +
                         ") cannot follow any linearizable order of the ops before it (" +
                         std::to_string(f["max_linearized"].get<int64_t>()) +
                         " ops linearized; register then holds " +
                         (states.empty() ? "?" : states) + ")";
    } else {
      f["explanation"] = "key " + key.dump() + ": no linearizable order exists";
    }
    failures.push_back(std::move(f));
  }
  Json valid = !failures.empty() ? Json(false) : !unknown.empty() ? Json("unknown") : Json(true);
  return {{"valid", valid},
          {"model", std::string(model.name())},
          {"keys", by_key.size()},
          {"ops", client_ops},
          {"failures", std::move(failures)},
          {"unknown", std::move(unknown)},
          {"stats", {{"keys_valid", keys_valid}}}};
}

}  // namespace faultline::workloads::detail
