// lock: a lock with fencing tokens built on the KV store (DDIA ch. 8, "fencing tokens").
//
// Lock state at key "lock-<k>" (one lock per independent key): absent or null = free, token 0;
// {"holder": "p<process>", "token": t} = held; {"holder": null, "token": t} = free again.
// Generator: acquire | release (weight 1 each, no value), independent keys: ops_per_key ops per
// lock (default 40), keys_in_flight locks at a time (default concurrency / 4, at least 1). A lock
// never expires, so a holder that crashed (info) keeps it forever; fresh keys keep the run going.
// Client (process p, holder id "p<p>"):
//   acquire: read the lock; if it is held -> fail "held" (by someone else) or "already-held"
//            (by p); else cas(read value -> {holder: me, token: read token + 1}).
//            ok: value {"token": new token};
//   release: read the lock; if p does not hold it -> fail "not-holder"; else
//            cas(read value -> {holder: null, token: same token}). ok: value {"token": token}.
//   A read that errors -> fail "read: <code>" (a read has no effect, whatever its error); the
//   cas's reply maps as usual: cas-mismatch / definite errors -> fail, timeout -> info;
//   NotSent / Indeterminate thrown by the client propagate to the runner.
// Checker, per lock key, real time = history order:
//   Holds. Each ok acquire A by (logical) process p starts a hold, which ends at the first
//   release p invokes on that lock after A completed whose outcome is ok, info or pending (a
//   failed release changed nothing). Jepsen-style conservative intervals: the hold began no
//   earlier than A's invocation and ended no later than that release's completion (never, when
//   there is no such release), so it DEFINITELY covered (A's completion, the release's
//   invocation) — open-ended when there is no release.
//   mutual-exclusion       two holds whose definite intervals intersect: each one's acquire
//                          completed before the other's release was invoked. Reported with both
//                          acquires' indexes ("ops") and their releases' ("releases", null = none).
//   token-not-increasing   ok acquires A1, A2 with A1 completed before A2 was invoked must have
//                          token(A1) < token(A2) (successive holders get increasing tokens).
//   duplicate-token        two ok acquires (concurrent or not) got the same token.
//   release-token-mismatch an ok release reports another token than the acquire of its hold.
//   release-without-hold   an ok release by a process that held no hold from an ok acquire (a
//                          failed acquire took effect).
//   Acquires that ended info may or may not hold the lock: they take part in nothing above.
#include <algorithm>
#include <climits>
#include <map>
#include <stdexcept>

#include "kv_common.h"

namespace faultline::workloads {
namespace {

std::string holder_id(const Op& inv) {
  std::string id = std::to_string(inv.process);
  id.insert(id.begin(), 'p');
  return id;
}

struct Hold {
  int64_t acq_inv = 0, acq_ret = 0;  // positions
  int64_t rel_inv = -1;              // position of the ending release's invocation, -1 = none
  Json token;
};

class LockWorkload : public Workload {
 public:
  std::string name() const override { return "lock"; }
  std::string description() const override {
    return "lock with fencing tokens on the KV store (read + cas); checks mutual exclusion "
           "in real time and strictly increasing tokens";
  }
  std::vector<std::string> required_ops() const override { return {"read", "cas"}; }
  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override {
    config.phases = {detail::single_phase(
        {OpTemplate{"acquire", 1, ValueKind::None}, OpTemplate{"release", 1, ValueKind::None}},
        opts)};
    detail::set_independent_keys(config, opts, 40, 4);
    config.final_ops.clear();
  }
  Op invoke(const Op& inv, SutClient& client) const override {
    if (inv.f != "acquire" && inv.f != "release") {
      throw std::invalid_argument("lock: unknown op f '" + inv.f + "'");
    }
    const std::string key = detail::sut_key(inv.key, "lock-");
    const std::string me = holder_id(inv);
    // One read + cas, no retry: a cas-mismatch is a `fail` with that error.
    return detail::read_then_cas(
        inv, client, {key, 1, false, "read: "},
        [&](const Json& cur, Json& next, Json& ok_value) -> std::optional<Op> {
          Json holder = nullptr;
          int64_t token = 0;
          if (cur.is_object()) {
            holder = cur.value("holder", Json());
            const Json t = cur.value("token", Json(0));
            if (!t.is_number_integer())
              return detail::failed(inv, "malformed lock value " + cur.dump());
            token = t.get<int64_t>();
          } else if (!cur.is_null()) {
            return detail::failed(inv, "malformed lock value " + cur.dump());
          }
          int64_t result_token = token;
          if (inv.f == "acquire") {
            if (!holder.is_null()) return detail::failed(inv, holder == me ? "already-held" : "held");
            result_token = token + 1;
            next = {{"holder", me}, {"token", result_token}};
          } else {
            if (holder != me) return detail::failed(inv, "not-holder");
            next = {{"holder", nullptr}, {"token", token}};
          }
          ok_value = {{"token", result_token}};
          return std::nullopt;
        });
  }

  Json check(const History& history, const WorkloadOptions&) const override {
    History h = history;
    if (auto bad = detail::pair_or_unknown(h)) return *bad;
    auto idx = [&](int64_t pos) { return h[static_cast<size_t>(pos)].index; };
    // key dump -> (key, holds), built per logical process in program order.
    std::map<std::string, std::pair<Json, std::vector<Hold>>> locks;
    std::map<std::pair<std::string, int64_t>, int64_t> open;  // (key, process) -> hold number
    Json anomalies = Json::array();
    size_t total = 0;
    auto add = [&](const std::string& type, const Json& key, Json ops, Json extra,
                   const std::string& why) {
      ++total;
      if (anomalies.size() >= 100) return;
      Json a = {{"type", type}, {"key", key}, {"ops", std::move(ops)},
                {"explanation", "lock " + key.dump() + ": " + why}};
      for (auto& [k, v] : extra.items()) a[k] = v;
      anomalies.push_back(std::move(a));
    };
    std::map<std::string, int64_t> counts;
    for (size_t i = 0; i < h.size(); ++i) {
      const Op& op = h[i];
      if (op.is_nemesis() || op.type != OpType::Invoke) continue;
      if (op.f != "acquire" && op.f != "release") {
        return {{"valid", "unknown"},
                {"error", "op " + std::to_string(op.index) + ": lock has no op '" + op.f + "'"}};
      }
      const int64_t c = h.completion(i);
      const OpType type = c >= 0 ? h[static_cast<size_t>(c)].type : OpType::Info;
      counts[op.f + "_" + std::string(to_string(type))]++;
      auto& lock = locks[op.key.dump()];
      lock.first = op.key;
      const auto pk = std::make_pair(op.key.dump(), h.logical_process(i));
      auto it = open.find(pk);
      if (op.f == "acquire") {
        if (type != OpType::Ok) continue;
        lock.second.push_back(Hold{static_cast<int64_t>(i), c, -1,
                                   h[static_cast<size_t>(c)].value.value("token", Json())});
        // A still-open hold of the same process stays open (it was never released); the
        // second acquire is a new hold, which the overlap check reports.
        open[pk] = static_cast<int64_t>(lock.second.size()) - 1;
        continue;
      }
      // release
      if (type == OpType::Fail) continue;
      if (it == open.end()) {
        if (type == OpType::Ok) {
          add("release-without-hold", op.key, {op.index}, Json::object(),
              "release (op " + std::to_string(op.index) + ") by process " +
                  std::to_string(op.process) + " succeeded, but it held the lock by no ok acquire");
        }
        continue;
      }
      // Ends every open hold of this process (normally one).
      for (Hold& hold : lock.second) {
        if (hold.rel_inv < 0 && h.logical_process(static_cast<size_t>(hold.acq_inv)) == pk.second &&
            hold.acq_ret < static_cast<int64_t>(i)) {
          hold.rel_inv = static_cast<int64_t>(i);
          if (type == OpType::Ok) {
            const Json tok = h[static_cast<size_t>(c)].value.value("token", Json());
            if (tok != hold.token) {
              add("release-token-mismatch", op.key, {idx(hold.acq_inv), op.index},
                  Json::object(),
                  "release (op " + std::to_string(op.index) + ") reports token " + tok.dump() +
                      " but its acquire (op " + std::to_string(idx(hold.acq_inv)) + ") got " +
                      hold.token.dump());
            }
          }
        }
      }
      open.erase(it);
    }
    int64_t holds = 0;
    for (auto& [dump, entry] : locks) {
      const Json& key = entry.first;
      const auto& hs = entry.second;
      holds += static_cast<int64_t>(hs.size());
      constexpr int64_t kNever = INT64_MAX;
      for (size_t a = 0; a < hs.size(); ++a) {
        for (size_t b = a + 1; b < hs.size(); ++b) {
          const Hold& x = hs[a];
          const Hold& y = hs[b];
          const int64_t xe = x.rel_inv < 0 ? kNever : x.rel_inv;
          const int64_t ye = y.rel_inv < 0 ? kNever : y.rel_inv;
          auto rel = [&](const Hold& z) { return z.rel_inv < 0 ? Json() : Json(idx(z.rel_inv)); };
          if (x.acq_ret < ye && y.acq_ret < xe) {
            add("mutual-exclusion", key, {idx(x.acq_inv), idx(y.acq_inv)},
                {{"releases", {rel(x), rel(y)}}},
                "the holds acquired by ops " + std::to_string(idx(x.acq_inv)) + " and " +
                    std::to_string(idx(y.acq_inv)) + " overlap: each acquire completed before "
                    "the other hold's release was invoked");
          }
          const bool x_first = x.acq_ret < y.acq_inv, y_first = y.acq_ret < x.acq_inv;
          if (x_first || y_first) {
            const Hold& p = x_first ? x : y;
            const Hold& q = x_first ? y : x;
            const bool increasing = p.token.is_number() && q.token.is_number() && p.token < q.token;
            if (!increasing) {
              add("token-not-increasing", key, {idx(p.acq_inv), idx(q.acq_inv)},
                  {{"tokens", {p.token, q.token}}},
                  "acquire (op " + std::to_string(idx(q.acq_inv)) + ") got token " +
                      q.token.dump() + ", not above token " + p.token.dump() +
                      " of the earlier acquire (op " + std::to_string(idx(p.acq_inv)) + ")");
            }
          } else if (x.token == y.token) {
            add("duplicate-token", key, {idx(x.acq_inv), idx(y.acq_inv)},
                {{"tokens", {x.token, y.token}}},
                "concurrent acquires (ops " + std::to_string(idx(x.acq_inv)) + " and " +
                    std::to_string(idx(y.acq_inv)) + ") both got token " + x.token.dump());
          }
        }
      }
    }
    Json stats = Json::object();
    for (const auto& [k, v] : counts) stats[k] = v;
    return {{"valid", total == 0}, {"locks", locks.size()}, {"holds", holds},
            {"ops", stats},        {"anomaly_count", total}, {"anomalies", anomalies}};
  }
};

}  // namespace

std::unique_ptr<Workload> make_lock_workload() { return std::make_unique<LockWorkload>(); }

}  // namespace faultline::workloads
