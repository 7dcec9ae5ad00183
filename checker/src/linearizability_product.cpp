// Sequential consistency is not compositional: per-key orders may each exist while no single
// order of the whole history does. So for the sequential search the partitions are merged back
// into one, run by a product machine whose state is the tuple of the partitions' states.
#include "linearizability_product.h"

#include <algorithm>

#include "faultline/core/assert.h"

namespace faultline::checker::detail {
namespace {

class ProductMachine final : public StateMachine {
 public:
  ProductMachine(const Model& model, const ValueInterner& values, const CompiledPartition& merged,
                 std::vector<int32_t> part_of_op, std::vector<Json> keys)
      : merged_(merged), part_of_op_(std::move(part_of_op)), keys_(std::move(keys)) {
    for (size_t i = 0; i < keys_.size(); ++i) subs_.push_back(model.machine(values));
    scratch_.resize(keys_.size());
  }

  State init() override {
    for (size_t i = 0; i < subs_.size(); ++i) scratch_[i] = subs_[i]->init();
    return table_.intern(scratch_);
  }

  bool step(State s, const CompiledOp& op, State& next) override {
    const size_t part = part_of(op);
    State sub_next;
    if (!subs_[part]->step(table_.data(s)[part], op, sub_next)) return false;
    if (sub_next == table_.data(s)[part]) {
      next = s;
      return true;
    }
    std::copy(table_.data(s), table_.data(s) + table_.size(s), scratch_.begin());
    scratch_[part] = sub_next;
    next = table_.intern(scratch_);
    return true;
  }

  bool prepare(const std::vector<CompiledOp>& ops) override {
    FL_ASSERT(ops.size() == part_of_op_.size());
    std::vector<std::vector<CompiledOp>> per_part(subs_.size());
    for (size_t i = 0; i < ops.size(); ++i) {
      per_part[static_cast<size_t>(part_of_op_[i])].push_back(ops[i]);
    }
    bool any = false;
    prunes_.assign(subs_.size(), false);
    for (size_t i = 0; i < subs_.size(); ++i) {
      // A sub-machine's reset is no reset of the product (its target depends on the other
      // parts), so only parts without resets prune here.
      prunes_[i] = subs_[i]->prepare(per_part[i]);
      State target = 0;
      for (const CompiledOp& op : per_part[i]) {
        if (prunes_[i] && subs_[i]->reset_target(op, target)) prunes_[i] = false;
      }
      any = any || prunes_[i];
    }
    return any;
  }

  bool can_reach(State s, const CompiledOp& read) override {
    const size_t part = part_of(read);
    return !prunes_[part] || subs_[part]->can_reach(table_.data(s)[part], read);
  }

  uint64_t memory_bytes() const override {
    uint64_t b = table_.bytes();
    for (const auto& m : subs_) b += m->memory_bytes();
    return b;
  }

  Json describe(State s) const override {
    Json out = Json::array();
    for (size_t i = 0; i < subs_.size(); ++i) {
      out.push_back({{"key", keys_[i]}, {"state", subs_[i]->describe(table_.data(s)[i])}});
    }
    return out;
  }

 private:
  // The search always passes ops by reference into merged_.ops.
  size_t part_of(const CompiledOp& op) const {
    const ptrdiff_t id = &op - merged_.ops.data();
    FL_ASSERT(id >= 0 && static_cast<size_t>(id) < merged_.ops.size());
    return static_cast<size_t>(part_of_op_[static_cast<size_t>(id)]);
  }

  const CompiledPartition& merged_;
  std::vector<int32_t> part_of_op_;
  std::vector<Json> keys_;
  std::vector<std::unique_ptr<StateMachine>> subs_;
  StateTable table_;
  std::vector<int64_t> scratch_;
  std::vector<bool> prunes_;   // per part: its machine prunes (prepare returned true)
};

}  // namespace

MergedPartitions merge_partitions(const std::vector<CompiledPartition>& parts) {
  MergedPartitions m;
  struct Ref {
    int64_t pos;
    int32_t part;
    int32_t op;
  };
  std::vector<Ref> refs;
  for (size_t p = 0; p < parts.size(); ++p) {
    m.keys.push_back(parts[p].key);
    for (size_t i = 0; i < parts[p].size(); ++i) {
      refs.push_back({parts[p].invoke_pos[i], static_cast<int32_t>(p), static_cast<int32_t>(i)});
    }
  }
  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) { return a.pos < b.pos; });
  for (const Ref& r : refs) {
    const CompiledPartition& src = parts[static_cast<size_t>(r.part)];
    const auto i = static_cast<size_t>(r.op);
    m.merged.ops.push_back(src.ops[i]);
    m.merged.invoke_pos.push_back(src.invoke_pos[i]);
    m.merged.return_pos.push_back(src.return_pos[i]);
    m.merged.process.push_back(src.process[i]);
    m.part_of_op.push_back(r.part);
  }
  return m;
}

std::unique_ptr<StateMachine> product_machine(const Model& model, const ValueInterner& values,
                                              const MergedPartitions& m) {
  return std::make_unique<ProductMachine>(model, values, m.merged, m.part_of_op, m.keys);
}

}  // namespace faultline::checker::detail
