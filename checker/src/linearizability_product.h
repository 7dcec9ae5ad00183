// Internal: merging partitions back into one for the sequential-consistency search, and the
// product machine that runs it (see linearizability_product.cpp for why).
#pragma once
#include <memory>
#include <vector>

#include "linearizability_compile.h"

namespace faultline::checker::detail {

struct MergedPartitions {
  CompiledPartition merged;          // all ops, by invocation position; key null
  std::vector<int32_t> part_of_op;   // merged op id -> index of its original partition
  std::vector<Json> keys;            // original partition keys
};

MergedPartitions merge_partitions(const std::vector<CompiledPartition>& parts);

// A machine over the tuple of per-partition states; it must only be stepped with ops of
// `m.merged.ops` (by reference), and `m` must outlive it.
std::unique_ptr<StateMachine> product_machine(const Model& model, const ValueInterner& values,
                                              const MergedPartitions& m);

}  // namespace faultline::checker::detail
