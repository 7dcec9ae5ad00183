// pn-counter: increments and decrements of one PN-counter (key "pn-counter") at any node of
// a CRDT store (faultline-crdtd's pn-add), local reads, and a final read per client process.
//
// Ops (f / invocation value / ok completion value):
//   add         d (RandomInt in [-max, max], params "max_delta", default 5)   null
//   read        null                                     the node's current value (null -> 0)
//   final-read  null   after the node reports convergence (crdt_common.h); the value
// Every node accepts updates while partitioned, so adds only fail on a definite error reply.
//
// Checker (the rule of eventual convergence, judged after heal and a quiet period):
//   - "divergent-final-reads": all final reads are equal (checker/crdt check_convergence);
//   - "counter-out-of-bounds": each final read lies in [acknowledged sum + negative
//     indeterminate deltas, acknowledged sum + positive indeterminate deltas]
//     (checker/crdt check_counter_bounds);
//   - "counter-not-subset-sum": each final read equals the sum of every acknowledged (ok) delta
//     plus the deltas of SOME subset of the indeterminate (info / unfinished) adds: exactly what
//     a store that loses no acknowledged update and invents none can show. Failed adds count
//     nothing. Main-phase reads are local and may lag: they are not judged.
// Result: {"valid", "convergence", "bounds", "exact": {"valid", "acknowledged_sum",
// "indeterminate", "errors": [{"index", "node", "value", "acknowledged_sum"}]}, "adds"}.
#include <faultline/checker/crdt/check_crdt.h>

#include <vector>

#include "crdt_common.h"

namespace faultline::workloads {
namespace {

constexpr const char* kKey = "pn-counter";

class PnCounterWorkload : public Workload {
 public:
  std::string name() const override { return "pn-counter"; }
  std::string description() const override {
    return "PN-counter increments/decrements at any node (CRDT store); after heal all replicas "
           "converge to exactly the acknowledged sum plus a subset of indeterminate updates";
  }
  std::vector<std::string> required_ops() const override { return {"read", "pn-add", "status"}; }

  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override {
    int64_t max = 5;
    if (opts.params.is_object() && opts.params.contains("max_delta")) {
      const Json& v = opts.params.at("max_delta");
      if (!v.is_number_integer() || v.get<int64_t>() < 1)
        throw std::invalid_argument("pn-counter: workload_params.max_delta must be an integer "
                                    ">= 1, got " + v.dump());
      max = v.get<int64_t>();
    }
    config.phases = {Phase{{OpTemplate{"add", 3.0, ValueKind::RandomInt, -max, max},
                            OpTemplate{"read", 1.0, ValueKind::None}},
                           detail::run_long_phase_ns(opts)}};
    config.independent_keys = false;
    detail::final_op_per_process(config, opts, OpTemplate{"final-read", 1.0, ValueKind::None});
  }

  Op invoke(const Op& invocation, SutClient& client) const override {
    if (invocation.f == "final-read") return detail::final_read_converged(invocation, client, kKey, 0);
    if (invocation.f == "read") {
      Reply r = client.call({{"op", "read"}, {"key", kKey}});
      return complete_from_reply(invocation, r, r.value.is_null() ? Json(0) : r.value);
    }
    if (invocation.f != "add") return detail::unknown_f(invocation);
    if (!invocation.value.is_number_integer()) return detail::failed(invocation, "add needs an integer");
    Reply r = client.call({{"op", "pn-add"}, {"key", kKey}, {"value", invocation.value}});
    return complete_from_reply(invocation, r, nullptr);
  }

  Json check(const History& history, const WorkloadOptions&) const override {
    checker::crdt::CrdtOptions o;
    o.read_f = "final-read";
    Json convergence = detail::crdt_convergence(history);
    Json bounds = checker::crdt::check_counter_bounds(history, o).to_json();
    Json exact = check_exact(history);
    Json valid = detail::combine_valid({convergence["valid"], bounds["valid"], exact["valid"]});
    return {{"valid", valid}, {"convergence", convergence}, {"bounds", bounds}, {"exact", exact}};
  }

 private:
  static Json check_exact(const History& history) {
    const auto& ops = history.ops();
    const std::vector<int64_t> completion = detail::completion_positions(ops);
    int64_t acked = 0, neg = 0;
    std::vector<int64_t> maybe;
    detail::OutcomeCounts adds;
    std::vector<const Op*> finals;
    for (size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      if (!op.is_client() || op.type != OpType::Invoke) continue;
      const Op* done = detail::completion_of(ops, completion, i);
      if (op.f == "final-read" && done && done->type == OpType::Ok) finals.push_back(done);
      if (op.f != "add" || !op.value.is_number_integer()) continue;
      const OpType t = done ? done->type : OpType::Info;
      adds.add(t);
      const int64_t d = op.value.get<int64_t>();
      if (t == OpType::Ok) acked += d;
      else if (t != OpType::Fail && d != 0) {
        maybe.push_back(d);
        if (d < 0) neg += d;
      }
    }
    // reachable[s - neg]: some subset of the indeterminate deltas sums to s.
    int64_t span = 0;
    for (int64_t d : maybe) span += d < 0 ? -d : d;
    std::vector<char> reach(static_cast<size_t>(span + 1), 0);
    reach[static_cast<size_t>(-neg)] = 1;
    for (int64_t d : maybe) {
      std::vector<char> next = reach;
      for (int64_t s = 0; s <= span; ++s)
        if (reach[static_cast<size_t>(s)] && s + d >= 0 && s + d <= span) next[static_cast<size_t>(s + d)] = 1;
      reach.swap(next);
    }
    Json errors = Json::array();
    int64_t error_count = 0;
    for (const Op* f : finals) {
      const int64_t extra = f->value.is_number_integer() ? f->value.get<int64_t>() - acked : span + 1;
      const int64_t at = extra - neg;
      if (at >= 0 && at <= span && reach[static_cast<size_t>(at)]) continue;
      detail::push_capped(errors, error_count,
                          {{"type", "counter-not-subset-sum"}, {"index", f->index},
                           {"node", f->node.value_or("")}, {"value", f->value},
                           {"acknowledged_sum", acked},
                           {"explanation", "final read " + f->value.dump() + " is not the "
                            "acknowledged sum " + std::to_string(acked) + " plus any subset of "
                            "the " + std::to_string(maybe.size()) + " indeterminate updates"}},
                          32);
    }
    return {{"valid", finals.empty() ? Json("unknown") : Json(error_count == 0)}, {"final_reads", finals.size()},
            {"acknowledged_sum", acked}, {"indeterminate", maybe.size()}, {"adds", adds.to_json()},
            {"errors", errors}, {"error_count", error_count}};
  }
};

}  // namespace

std::unique_ptr<Workload> make_pn_counter_workload() { return std::make_unique<PnCounterWorkload>(); }

}  // namespace faultline::workloads
