// lww-register: writes of unique values to one LWW register (key "lww-register") at any node
// of a CRDT store (faultline-crdtd's write, timestamped by a hybrid logical clock), local reads,
// and a final read per client process.
//
// Ops (f / invocation value / ok completion value):
//   write       v (NextUniqueInt)   null
//   read        null                the node's current value (null: never written)
//   final-read  null   after the node reports convergence (crdt_common.h); the value
//
// Causal rules. A write W causally follows a write V when W's node had V when W was made,
// shown by a read on the same node just before it: the op right before W in W's process (a
// process stays on one node) is an ok read that returned V's value. Such a W must win over V:
//   - "divergent-final-reads": replicas converge (checker/crdt check_convergence);
//   - "lost-causally-later-write": a final read returned V although an acknowledged (ok) W
//     causally follows V, or a later read of W's own process (same node) returned V; named
//     with both writes, the read that showed V before W, and the read that returned V.
// Writes that are concurrent (neither node had seen the other) may go either way, even against
// real time: that is what LWW with a hybrid logical clock promises under clock skew.
// The read/write history is also checked for causal consistency (checker/causal, model CC,
// part of the verdict) and the four session guarantees are reported (not part of the verdict:
// a client process retired after an indeterminate op continues as a new session).
// Result: {"valid", "convergence", "causal", "session_guarantees", "errors", "error_count",
// "causal_edges", "writes"}.
#include <map>

#include <faultline/checker/causal/check_causal.h>

#include "crdt_common.h"

namespace faultline::workloads {
namespace {

constexpr const char* kKey = "lww-register";

class LwwRegisterWorkload : public Workload {
 public:
  std::string name() const override { return "lww-register"; }
  std::string description() const override {
    return "LWW register writes of unique values at any node (CRDT store, HLC); replicas "
           "converge and a write that causally follows another wins over it; causal "
           "consistency checked";
  }
  std::vector<std::string> required_ops() const override { return {"read", "write", "status"}; }

  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override {
    config.phases = {Phase{{OpTemplate{"write", 1.0, ValueKind::NextUniqueInt},
                            OpTemplate{"read", 1.0, ValueKind::None}},
                           detail::run_long_phase_ns(opts)}};
    config.independent_keys = false;
    detail::final_op_per_process(config, opts, OpTemplate{"final-read", 1.0, ValueKind::None});
  }

  Op invoke(const Op& invocation, SutClient& client) const override {
    if (invocation.f == "final-read")
      return detail::final_read_converged(invocation, client, kKey, nullptr);
    if (invocation.f == "read") {
      Reply r = client.call({{"op", "read"}, {"key", kKey}});
      return complete_from_reply(invocation, r, r.value);
    }
    if (invocation.f != "write") return detail::unknown_f(invocation);
    Reply r = client.call({{"op", "write"}, {"key", kKey}, {"value", invocation.value}});
    return complete_from_reply(invocation, r, nullptr);
  }

  Json check(const History& history, const WorkloadOptions& opts) const override;
};

Json LwwRegisterWorkload::check(const History& history, const WorkloadOptions&) const {
  const auto& ops = history.ops();
  const std::vector<int64_t> completion = detail::completion_positions(ops);
  struct Edge {
    int64_t earlier_write, read, later_write;
  };
  std::map<std::string, int64_t> write_of;           // value -> write invocation index
  std::map<std::string, std::vector<Edge>> beaten;   // value V -> ok writes that follow V
  std::map<int64_t, const Op*> last_op;              // process -> its last completed op
  std::map<int64_t, const Op*> last_inv;             // process -> that op's invocation
  std::vector<const Op*> finals;
  detail::OutcomeCounts writes;
  // Per process: values its own acknowledged writes causally beat (value -> edge), and reads
  // of that process that still returned one of them.
  std::map<int64_t, std::map<std::string, Edge>> beaten_here;
  std::vector<std::pair<Edge, const Op*>> lost_here;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (!op.is_client() || op.type != OpType::Invoke) continue;
    if (op.f == "write") write_of[op.value.dump()] = op.index;
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (!op.is_client() || op.type != OpType::Invoke) continue;
    const Op* done = detail::completion_of(ops, completion, i);
    const OpType t = done ? done->type : OpType::Info;
    if (op.f == "write") {
      writes.add(t);
      auto prev = last_op.find(op.process);
      if (t == OpType::Ok && prev != last_op.end() && last_inv[op.process]->f == "read" &&
          prev->second->type == OpType::Ok && !prev->second->value.is_null()) {
        const std::string v = prev->second->value.dump();
        const Edge e{write_of.count(v) ? write_of[v] : -1, prev->second->index, op.index};
        beaten[v].push_back(e);
        beaten_here[op.process][v] = e;
      }
    }
    if (op.f == "final-read" && t == OpType::Ok) finals.push_back(done);
    if (op.f == "read" && t == OpType::Ok) {  // the node lost a write of this very process
      auto& mine = beaten_here[op.process];
      auto it = mine.find(done->value.dump());
      if (it != mine.end()) lost_here.push_back({it->second, done});
    }
    if (done) {
      last_op[op.process] = done;
      last_inv[op.process] = &op;
    }
  }
  Json errors = Json::array();
  int64_t count = 0, edges = 0;
  for (const auto& [v, list] : beaten) edges += static_cast<int64_t>(list.size());
  for (const Op* fr : finals) {
    auto it = beaten.find(fr->value.dump());
    if (it == beaten.end()) continue;
    const Edge& e = it->second.front();
    detail::push_capped(errors, count,
        {{"type", "lost-causally-later-write"}, {"node", fr->node.value_or("")},
         {"ops", {e.earlier_write, e.read, e.later_write, fr->index}},
         {"explanation", "final read (op " + std::to_string(fr->index) + ") returned " +
          fr->value.dump() + " (write op " + std::to_string(e.earlier_write) + "), but write op " +
          std::to_string(e.later_write) + " was acknowledged after its node read that value (op " +
          std::to_string(e.read) + "): the causally later write lost"}}, 32);
  }
  for (const auto& [e, read] : lost_here)
    detail::push_capped(errors, count,
        {{"type", "lost-causally-later-write"}, {"node", read->node.value_or("")},
         {"ops", {e.earlier_write, e.read, e.later_write, read->index}},
         {"explanation", "read op " + std::to_string(read->index) + " returned " +
          read->value.dump() + " (write op " + std::to_string(e.earlier_write) + ") on the node "
          "where the same process's write op " + std::to_string(e.later_write) + ", made after "
          "reading that value (op " + std::to_string(e.read) + "), was acknowledged: the "
          "causally later write lost"}}, 32);
  // The causal checkers see only register ops: reads (final reads included) and writes, with
  // their history indexes kept so anomalies name the recorded ops.
  std::vector<Op> rw;
  for (const Op& op : ops) {
    if (!op.is_client() || (op.f != "read" && op.f != "write" && op.f != "final-read")) continue;
    rw.push_back(op);
    if (op.f == "final-read") rw.back().f = "read";
    rw.back().extra = nullptr;
  }
  History register_history(std::move(rw));
  Json causal = checker::causal::check_causal(register_history, {}).to_json();
  Json sessions = checker::causal::check_session_guarantees(register_history, {}).to_json();
  Json convergence = detail::crdt_convergence(history);
  Json mine = finals.empty() ? Json("unknown") : Json(count == 0);
  return {{"valid", detail::combine_valid({convergence["valid"], mine, causal["valid"]})},
          {"convergence", convergence}, {"causal", causal}, {"session_guarantees", sessions},
          {"errors", errors}, {"error_count", count}, {"causal_edges", edges},
          {"writes", writes.to_json()}, {"final_reads", finals.size()}};
}

}  // namespace

std::unique_ptr<Workload> make_lww_register_workload() {
  return std::make_unique<LwwRegisterWorkload>();
}

}  // namespace faultline::workloads
