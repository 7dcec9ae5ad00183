// History -> compact per-partition ops (see linearizability_compile.h).
#include "linearizability_compile.h"

#include <unordered_map>

#include "faultline/core/assert.h"

namespace faultline::checker::detail {

CompiledHistory compile_history(const History& h, const Model& model,
                                std::optional<std::chrono::steady_clock::time_point> deadline) {
  FL_ASSERT(h.paired());
  CompiledHistory out;
  ValueInterner keys;                    // partition key -> dense id
  std::vector<int64_t> partition_of{-1};  // key id -> partition index, -1 none yet
  const auto& ops = h.ops();
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& inv = ops[i];
    if (deadline && (i & 0xFFF) == 0 && std::chrono::steady_clock::now() >= *deadline) {
      out.timed_out = true;
      return out;
    }
    if (inv.type != OpType::Invoke || inv.is_nemesis()) continue;
    ++out.client_ops;
    const int64_t c = h.completion(i);
    const Op* completion = c >= 0 ? &ops[static_cast<size_t>(c)] : nullptr;
    if (completion && completion->type == OpType::Fail) {
      ++out.dropped_fail;
      continue;
    }
    const bool ok = completion && completion->type == OpType::Ok;
    std::optional<CompiledOp> op = model.compile(inv, ok ? completion : nullptr, out.values);
    if (!op) {
      ++out.dropped_unknown;
      continue;
    }
    op->output_known = ok;
    Json key = model.partition(inv);
    const auto key_id = static_cast<size_t>(keys.intern(key));
    if (key_id >= partition_of.size()) partition_of.resize(key_id + 1, -1);
    if (partition_of[key_id] < 0) {
      partition_of[key_id] = static_cast<int64_t>(out.partitions.size());
      out.partitions.emplace_back();
      out.partitions.back().key = std::move(key);
    }
    CompiledPartition& p = out.partitions[static_cast<size_t>(partition_of[key_id])];
    p.ops.push_back(std::move(*op));
    p.invoke_pos.push_back(static_cast<int64_t>(i));
    p.return_pos.push_back(ok ? c : kNeverReturns);
    p.process.push_back(h.logical_process(i));
  }
  return out;
}

}  // namespace faultline::checker::detail
