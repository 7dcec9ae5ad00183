// Internal: a History compiled for the linearizability / sequential searches. One
// CompiledPartition per Model::partition key; ops sorted by invocation position.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <limits>
#include <vector>

#include "faultline/checker/linearizability.h"
#include "faultline/checker/model.h"
#include "faultline/core/history.h"

namespace faultline::checker::detail {

inline constexpr int64_t kNeverReturns = std::numeric_limits<int64_t>::max();

struct CompiledPartition {
  Json key;                                // Model::partition value (null: whole history)
  std::vector<CompiledOp> ops;             // search op ids 0..n-1, by invocation position
  std::vector<int64_t> invoke_pos;         // position in History::ops() of the invocation
  std::vector<int64_t> return_pos;         // position of the ok completion, or kNeverReturns
  std::vector<int64_t> process;            // logical process (History::logical_process)
  size_t size() const { return ops.size(); }
  bool returns(size_t op) const { return return_pos[op] != kNeverReturns; }
};

struct CompiledHistory {
  ValueInterner values;
  std::vector<CompiledPartition> partitions;
  int64_t client_ops = 0;      // invocations of client processes (before dropping)
  int64_t dropped_fail = 0;    // fail ops: never happened
  int64_t dropped_unknown = 0; // ops the model said constrain nothing (e.g. info reads)
  bool timed_out = false;      // the deadline passed while compiling: partitions incomplete
};

// Compiles a paired history; stops early (timed_out) once `deadline` passes. Throws ModelError
// from Model::compile.
CompiledHistory compile_history(
    const History& paired, const Model& model,
    std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);

// Steps 2 and 3 of check_consistency (search the partitions, combine, build the witness) on a
// compiled history, from a History or streamed (ConsistencyStream). `t0` is when checking began
// (compiling counts toward the time limit); index_at(pos) is Op::index of the op at a position.
CheckResult check_compiled(CompiledHistory& compiled, const Model& model,
                           const ConsistencyOptions& options,
                           std::chrono::steady_clock::time_point t0,
                           const std::function<int64_t(int64_t)>& index_at);

}  // namespace faultline::checker::detail
