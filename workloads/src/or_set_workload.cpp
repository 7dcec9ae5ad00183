// or-set: adds and removes of unique elements in one OR-set (key "or-set") at any node of a CRDT
// store (faultline-crdtd's set-add / set-remove), local reads, and a final read per process.
//
// Ops (f / invocation value / ok completion value):
//   add         e (NextUniqueInt: each element is added once)              null
//   remove      n (NextUniqueInt, only a choice seed)   {"element": e, "observed": [..]}: the op
//               reads the set on its node, picks element observed[n % size] and removes it there
//               (both requests on the same node, one after the other); an empty read fails the op
//               (error "empty", nothing was removed)
//   read        null                                    sorted array of the node's elements
//   final-read  null   after the node reports convergence (crdt_common.h); the elements
//
// Causal rules (checked on the final reads). A remove only removes the adds its replica has
// seen, and under a partition that is correct: so a remove counts only for an element its node
// had in the read just before it (always true here: the remove picks from that read).
//   - "divergent-final-reads": converged replicas agree (checker/crdt check_convergence);
//   - "lost-add": an acknowledged add is present in every final read unless a remove of that
//     element (ok or indeterminate) observed it; named with the add op;
//   - "resurrected-remove": an element removed (ok) at a node that had observed its one add
//     (elements are added once, so it observed all of them) stays absent from every final read;
//     named with the remove and the add;
//   - "unexpected-element": a final read holds an element nobody tried to add, or whose add
//     failed.
// Result: {"valid", "convergence", "errors": [{type, explanation, ops: [indexes], node}],
// "error_count", "adds", "removes", "final_reads"}.
#include <map>
#include <set>

#include "crdt_common.h"

namespace faultline::workloads {
namespace {

constexpr const char* kKey = "or-set";

class OrSetWorkload : public Workload {
 public:
  std::string name() const override { return "or-set"; }
  std::string description() const override {
    return "OR-set adds/removes of unique elements at any node (CRDT store); after heal the "
           "replicas agree, acknowledged adds survive unless a remove observed them, observed "
           "removes stay removed";
  }
  std::vector<std::string> required_ops() const override {
    return {"read", "set-add", "set-remove", "status"};
  }

  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override {
    config.phases = {Phase{{OpTemplate{"add", 3.0, ValueKind::NextUniqueInt},
                            OpTemplate{"remove", 1.0, ValueKind::NextUniqueInt},
                            OpTemplate{"read", 1.0, ValueKind::None}},
                           detail::run_long_phase_ns(opts)}};
    config.independent_keys = false;
    detail::final_op_per_process(config, opts, OpTemplate{"final-read", 1.0, ValueKind::None});
  }

  Op invoke(const Op& invocation, SutClient& client) const override {
    if (invocation.f == "final-read")
      return detail::final_read_converged(invocation, client, kKey, Json::array());
    if (invocation.f == "read") {
      Reply r = client.call({{"op", "read"}, {"key", kKey}});
      return complete_from_reply(invocation, r, detail::null_as_empty_list(r.value));
    }
    if (invocation.f == "add") {
      Reply r = client.call({{"op", "set-add"}, {"key", kKey}, {"value", invocation.value}});
      return complete_from_reply(invocation, r, nullptr);
    }
    if (invocation.f != "remove") return detail::unknown_f(invocation);
    Reply seen = client.call({{"op", "read"}, {"key", kKey}});
    if (!seen.ok) return detail::failed(invocation, "read " + seen.error);
    const Json observed = detail::null_as_empty_list(seen.value);
    if (observed.empty()) return detail::failed(invocation, "empty");
    const uint64_t n = invocation.value.is_number_integer() ? invocation.value.get<uint64_t>() : 0;
    const Json element = observed[n % observed.size()];
    const Json what = {{"element", element}, {"observed", observed}};
    Reply r;
    try {
      r = client.call({{"op", "set-remove"}, {"key", kKey}, {"value", element}});
    } catch (const Indeterminate& e) {  // the remove may have happened: say what it was
      Op info = completion(invocation, OpType::Info);
      info.value = what;
      info.error = e.what();
      return info;
    }
    Op done = complete_from_reply(invocation, r, what);
    done.value = what;
    return done;
  }

  Json check(const History& history, const WorkloadOptions&) const override;
};

Json OrSetWorkload::check(const History& history, const WorkloadOptions&) const {
  const auto& ops = history.ops();
  const std::vector<int64_t> completion = detail::completion_positions(ops);
  std::map<std::string, const Op*> add_of;          // element -> add invocation
  std::map<std::string, OpType> add_outcome;
  std::map<std::string, const Op*> removed_ok;      // element -> an ok remove completion
  std::set<std::string> maybe_removed;              // ok or indeterminate removes
  std::vector<const Op*> finals;
  detail::OutcomeCounts adds, removes;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (!op.is_client() || op.type != OpType::Invoke) continue;
    const Op* done = detail::completion_of(ops, completion, i);
    const OpType t = done ? done->type : OpType::Info;
    if (op.f == "add") {
      adds.add(t);
      add_of[op.value.dump()] = &op;
      add_outcome[op.value.dump()] = t;
    } else if (op.f == "remove") {
      removes.add(t);
      if (t == OpType::Fail || !done || !done->value.is_object()) continue;
      const std::string e = done->value.value("element", Json(nullptr)).dump();
      maybe_removed.insert(e);
      if (t == OpType::Ok) removed_ok.emplace(e, done);
    } else if (op.f == "final-read" && t == OpType::Ok && done->value.is_array()) {
      finals.push_back(done);
    }
  }
  Json errors = Json::array();
  int64_t count = 0;
  auto report = [&](const char* type, std::string why, Json idx, const Op* fr) {
    detail::push_capped(errors, count, {{"type", type}, {"explanation", std::move(why)},
                                        {"ops", std::move(idx)}, {"node", fr->node.value_or("")}}, 32);
  };
  for (const Op* fr : finals) {
    std::set<std::string> in;
    for (const Json& e : fr->value) in.insert(e.dump());
    for (const auto& [e, inv] : add_of) {
      if (add_outcome[e] == OpType::Ok && !in.count(e) && !maybe_removed.count(e))
        report("lost-add", "acknowledged add of " + e + " (op " + std::to_string(inv->index) +
               ") is missing from the final read (op " + std::to_string(fr->index) +
               ") and no remove ever observed it", {inv->index, fr->index}, fr);
    }
    for (const std::string& e : in) {
      auto rm = removed_ok.find(e);
      if (rm != removed_ok.end())
        report("resurrected-remove", e + " was removed (op " + std::to_string(rm->second->index) +
               ") by a node that had observed its add, yet the final read (op " +
               std::to_string(fr->index) + ") holds it",
               {add_of.count(e) ? add_of[e]->index : -1, rm->second->index, fr->index}, fr);
      auto a = add_outcome.find(e);
      if (a == add_outcome.end() || a->second == OpType::Fail)
        report("unexpected-element", "final read (op " + std::to_string(fr->index) + ") holds " +
               e + ", which no add could have put there", {fr->index}, fr);
    }
  }
  Json convergence = detail::crdt_convergence(history);
  Json mine = finals.empty() ? Json("unknown") : Json(count == 0);
  return {{"valid", detail::combine_valid({convergence["valid"], mine})},
          {"convergence", convergence}, {"errors", errors}, {"error_count", count},
          {"adds", adds.to_json()}, {"removes", removes.to_json()}, {"final_reads", finals.size()}};
}

}  // namespace

std::unique_ptr<Workload> make_or_set_workload() { return std::make_unique<OrSetWorkload>(); }

}  // namespace faultline::workloads
