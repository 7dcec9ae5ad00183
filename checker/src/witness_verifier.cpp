// verify_witness: see witness_verifier.h. Deliberately simple, quadratic-free code paths that
// do not use the search's compiled structures.
#include "faultline/checker/witness_verifier.h"

#include <limits>
#include <map>
#include <set>
#include <unordered_map>

namespace faultline::checker {
namespace {

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

struct OpFacts {
  int64_t invoke = -1;
  int64_t ret = kForever;     // ok completion position, or kForever (info / pending)
  bool ok = false;
  bool fail = false;
  int64_t process = 0;
  std::string key;            // Model::partition dump
  int seen = 0;
};

WitnessVerdict bad(const std::string& why) { return {false, why}; }

}  // namespace

WitnessVerdict verify_witness(const History& history, const Model& model, const Json& witness,
                              Consistency consistency) {
  History paired_copy;
  const History* h = &history;
  if (!history.paired()) {
    paired_copy = history;
    paired_copy.pair();
    h = &paired_copy;
  }
  const auto& ops = h->ops();
  std::unordered_map<int64_t, OpFacts> facts;  // by invocation position
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (op.type != OpType::Invoke || op.is_nemesis()) continue;
    OpFacts f;
    f.invoke = static_cast<int64_t>(i);
    const int64_t c = h->completion(i);
    if (c >= 0) {
      const OpType t = ops[static_cast<size_t>(c)].type;
      f.ok = t == OpType::Ok;
      f.fail = t == OpType::Fail;
      if (f.ok) f.ret = c;
    }
    f.process = h->logical_process(i);
    f.key = model.partition(op).dump();
    facts.emplace(f.invoke, f);
  }

  if (!witness.is_object() || !witness.contains("partitions") || !witness["partitions"].is_array()) {
    return bad("witness has no \"partitions\" array");
  }
  // Sequential consistency is not compositional: per-partition orders would each respect
  // program order while no single order does, so a sequential witness must be one order.
  if (consistency == Consistency::Sequential && witness["partitions"].size() > 1) {
    return bad("a sequential witness must be a single order, not " +
               std::to_string(witness["partitions"].size()) + " partitions");
  }
  // Pass 1: structure and order constraints, compiling every placed op. Pass 2 replays them
  // (machines need a value table that no longer changes).
  ValueInterner values;
  struct Placed {
    std::string key;
    CompiledOp op;
    int64_t pos;
  };
  std::vector<std::vector<Placed>> orders;
  std::set<std::string> keys_seen;  // a key split over two partitions escapes real-time order
  for (const Json& part : witness["partitions"]) {
    if (!part.is_object() || !part.contains("order") || !part["order"].is_array()) {
      return bad("witness partition has no \"order\" array");
    }
    const bool whole = consistency == Consistency::Sequential && part.value("key", Json()).is_null();
    const std::string key = part.value("key", Json()).dump();
    if (!keys_seen.insert(key).second) return bad("partition key " + key + " appears twice");
    int64_t max_invoke = -1;                       // linearizable: latest invocation so far
    std::unordered_map<int64_t, int64_t> last_of;  // sequential: process -> last invocation
    orders.emplace_back();
    for (const Json& jpos : part["order"]) {
      if (!jpos.is_number_integer()) return bad("witness order holds a non-integer");
      const int64_t pos = jpos.get<int64_t>();
      auto it = facts.find(pos);
      if (it == facts.end()) {
        return bad("position " + std::to_string(pos) + " is not a client invocation");
      }
      OpFacts& f = it->second;
      const std::string where = "op at position " + std::to_string(pos);
      if (f.fail) return bad(where + " failed, so it cannot take effect");
      if (++f.seen > 1) return bad(where + " appears twice");
      if (!whole && f.key != key) return bad(where + " belongs to partition " + f.key);
      if (consistency == Consistency::Linearizable) {
        if (f.ret < max_invoke) {
          return bad(where + " returned (position " + std::to_string(f.ret) +
                     ") before an op placed earlier was invoked (position " +
                     std::to_string(max_invoke) + ")");
        }
        max_invoke = std::max(max_invoke, f.invoke);
      } else {
        auto [lit, fresh] = last_of.try_emplace(f.process, f.invoke);
        if (!fresh) {
          if (lit->second > f.invoke) {
            return bad(where + " is placed before an earlier op of its process");
          }
          lit->second = f.invoke;
        }
      }
      const Op* ok = f.ok ? &ops[static_cast<size_t>(f.ret)] : nullptr;
      std::optional<CompiledOp> c = model.compile(ops[static_cast<size_t>(pos)], ok, values);
      if (!c) return bad(where + " constrains nothing, the search never places it");
      c->output_known = f.ok;
      orders.back().push_back({f.key, std::move(*c), pos});
    }
  }
  for (const auto& order : orders) {
    std::map<std::string, std::pair<std::unique_ptr<StateMachine>, State>> machines;
    for (const Placed& p : order) {
      auto& slot = machines[p.key];
      if (!slot.first) {
        slot.first = model.machine(values);
        slot.second = slot.first->init();
      }
      State next;
      if (!slot.first->step(slot.second, p.op, next)) {
        return bad("op at position " + std::to_string(p.pos) + " is illegal in model state " +
                   slot.first->describe(slot.second).dump());
      }
      slot.second = next;
    }
  }
  for (const auto& [pos, f] : facts) {
    if (f.ok && f.seen == 0) {
      // An ok op may only be missing if the model drops it as constraining nothing, which the
      // contract allows only for unknown outcomes: an ok op must always be placed.
      return bad("ok op at position " + std::to_string(pos) + " is missing from the witness");
    }
  }
  return {true, {}};
}

}  // namespace faultline::checker
