// ConsistencyStream (consistency_stream.h): pairs ops as they come (OpPairer), compiles each
// client op when it completes, then restores compile_history's order before the search.
#include "faultline/checker/consistency_stream.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "faultline/core/history.h"
#include "linearizability_compile.h"

namespace faultline::checker {

namespace {
// Provisional logical ids of processes reused after `info`: History::pair numbers them from
// max process + 1, unknown until the stream ends. Far below every real id (>= -2).
constexpr int64_t kProvisionalFresh = std::numeric_limits<int64_t>::min() / 2;

template <class T>
void permute(std::vector<T>& v, const std::vector<size_t>& order) {
  std::vector<T> out;
  out.reserve(v.size());
  for (size_t i : order) out.push_back(std::move(v[i]));
  v = std::move(out);
}
}  // namespace

struct ConsistencyStream::Impl {
  struct OpenInvocation {
    Op op;
    int64_t logical = 0;
  };

  const Model& model;
  ConsistencyOptions options;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  OpPairer pairer{kProvisionalFresh};
  int64_t next_pos = 0;
  int64_t max_process = -1;
  std::unordered_map<int64_t, OpenInvocation> open;  // client invocations by position
  detail::CompiledHistory compiled;
  ValueInterner keys;                      // partition key -> dense id
  std::vector<int64_t> partition_of{-1};   // key id -> partition index, -1 none yet
  std::unordered_map<int64_t, int64_t> index_at_pos;  // invocations whose index != position

  Impl(const Model& m, ConsistencyOptions o) : model(m), options(o) {}

  void add(Op&& op) {
    const int64_t pos = next_pos++;
    max_process = std::max(max_process, op.process);
    const OpPairer::Pairing p = pairer.add(op, pos);
    if (op.type == OpType::Invoke && !op.is_nemesis()) {
      ++compiled.client_ops;
      if (op.index != pos) index_at_pos[pos] = op.index;
      open.emplace(pos, OpenInvocation{std::move(op), p.logical_process});
      return;
    }
    if (p.invocation < 0) return;
    auto it = open.find(p.invocation);
    if (it == open.end()) return;  // the completion of a nemesis op
    OpenInvocation inv = std::move(it->second);
    open.erase(it);
    compile(inv, &op, p.invocation, pos);
  }

  // compile_history's step for one invocation and its completion (nullptr: none).
  void compile(const OpenInvocation& inv, const Op* completion, int64_t inv_pos,
               int64_t comp_pos) {
    if (completion != nullptr && completion->type == OpType::Fail) {
      ++compiled.dropped_fail;
      return;
    }
    const bool ok = completion != nullptr && completion->type == OpType::Ok;
    std::optional<CompiledOp> op = model.compile(inv.op, ok ? completion : nullptr,
                                                 compiled.values);
    if (!op) {
      ++compiled.dropped_unknown;
      return;
    }
    op->output_known = ok;
    Json key = model.partition(inv.op);
    const auto key_id = static_cast<size_t>(keys.intern(key));
    if (key_id >= partition_of.size()) partition_of.resize(key_id + 1, -1);
    if (partition_of[key_id] < 0) {
      partition_of[key_id] = static_cast<int64_t>(compiled.partitions.size());
      compiled.partitions.emplace_back();
      compiled.partitions.back().key = std::move(key);
    }
    detail::CompiledPartition& part =
        compiled.partitions[static_cast<size_t>(partition_of[key_id])];
    part.ops.push_back(std::move(*op));
    part.invoke_pos.push_back(inv_pos);
    part.return_pos.push_back(ok ? comp_pos : detail::kNeverReturns);
    part.process.push_back(inv.logical);
  }

  // compile_history's order: ops by invocation position within a partition, partitions by
  // their first op; logical ids of reused processes renumbered from max process + 1.
  void restore_order() {
    const int64_t first_fresh = std::max<int64_t>(0, max_process + 1);
    for (auto& part : compiled.partitions) {
      std::vector<size_t> order(part.size());
      std::iota(order.begin(), order.end(), size_t{0});
      std::sort(order.begin(), order.end(),
                [&](size_t a, size_t b) { return part.invoke_pos[a] < part.invoke_pos[b]; });
      if (!std::is_sorted(part.invoke_pos.begin(), part.invoke_pos.end())) {
        permute(part.ops, order);
        permute(part.invoke_pos, order);
        permute(part.return_pos, order);
        permute(part.process, order);
      }
      for (int64_t& proc : part.process) {
        if (proc < kNoProcess) proc = first_fresh + (proc - kProvisionalFresh);
      }
    }
    std::stable_sort(compiled.partitions.begin(), compiled.partitions.end(),
                     [](const detail::CompiledPartition& a, const detail::CompiledPartition& b) {
                       return a.invoke_pos.front() < b.invoke_pos.front();
                     });
  }

  CheckResult finish() {
    for (int64_t pos : pairer.open_invocations()) {
      auto it = open.find(pos);
      if (it != open.end()) compile(it->second, nullptr, pos, detail::kNeverReturns);
    }
    open.clear();
    restore_order();
    return detail::check_compiled(compiled, model, options, t0, [this](int64_t pos) {
      auto it = index_at_pos.find(pos);
      return it == index_at_pos.end() ? pos : it->second;
    });
  }
};

ConsistencyStream::ConsistencyStream(const Model& model, ConsistencyOptions options)
    : impl_(std::make_unique<Impl>(model, options)) {}

ConsistencyStream::~ConsistencyStream() = default;

void ConsistencyStream::add(Op&& op) { impl_->add(std::move(op)); }

int64_t ConsistencyStream::size() const { return impl_->next_pos; }

CheckResult ConsistencyStream::finish() { return impl_->finish(); }

}  // namespace faultline::checker
