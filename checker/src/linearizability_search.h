// Internal: the per-partition searches behind check_consistency (linearizability.h).
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "faultline/checker/result.h"
#include "linearizability_compile.h"
#include "linearizability_memo.h"

namespace faultline::checker::detail {

// Limits shared by the searches of all partitions of one check.
struct SearchBudget {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  MemoryBudget memory;
  std::atomic<bool> cancel{false};   // set when another partition is invalid
};

struct LinearizedPrefix {
  std::vector<int32_t> order;   // partition op ids
  State state = 0;
};

struct SearchOutcome {
  Verdict verdict = Verdict::Unknown;
  std::string reason;                    // for Unknown: "time limit", "memory limit", "cancelled"
  std::vector<int32_t> order;            // Valid: linearization (partition op ids)
  int32_t blocking_op = -1;              // Invalid: op that cannot be placed after prefixes[0]
  std::vector<LinearizedPrefix> prefixes;  // Invalid / Unknown: longest prefixes found
  int64_t max_linearized = 0;
  int64_t memo_entries = 0;
  uint64_t memo_bytes = 0;
  int64_t steps = 0;                     // model steps taken
};

// Real-time order (Wing-Gong-Lowe). `machine` is fresh for this partition.
SearchOutcome search_linearizable(const CompiledPartition& p, StateMachine& machine,
                                  SearchBudget& budget);
// Per-process order only.
SearchOutcome search_sequential(const CompiledPartition& p, StateMachine& machine,
                                SearchBudget& budget);

// Keeps the longest prefixes seen by a depth-first search, incrementally (amortised O(1) per
// push while the search dives), so recording them costs nothing on the valid path.
class PrefixTracker {
 public:
  static constexpr size_t kMaxAlternatives = 4;
  static constexpr size_t kMaxAlternativeDepth = 20000;
  // Called after pushing `op` at stack depth `depth` (1-based) reaching `state`.
  void pushed(const std::vector<int32_t>& stack, State state) {
    const size_t depth = stack.size();
    if (agree_ == depth - 1 && agree_ < best_.size() && best_[agree_] == stack.back()) ++agree_;
    if (depth > best_.size()) {
      best_.resize(depth);
      for (size_t i = agree_; i < depth; ++i) best_[i] = stack[i];
      agree_ = depth;
      best_state_ = state;
      alternatives_.clear();
    } else if (depth == best_.size() && state != best_state_ &&
               alternatives_.size() < kMaxAlternatives && depth <= kMaxAlternativeDepth) {
      for (const auto& a : alternatives_) {
        if (a.state == state) return;
      }
      alternatives_.push_back({stack, state});
    }
  }
  void popped(size_t new_depth) {
    if (agree_ > new_depth) agree_ = new_depth;
  }
  // True when the current stack is the best prefix.
  bool at_best(size_t depth) const { return depth == best_.size() && agree_ == depth; }
  size_t max_depth() const { return best_.size(); }
  std::vector<LinearizedPrefix> prefixes(State init) const {
    std::vector<LinearizedPrefix> out;
    out.push_back({best_, best_.empty() ? init : best_state_});
    for (const auto& a : alternatives_) out.push_back(a);
    return out;
  }

 private:
  std::vector<int32_t> best_;
  size_t agree_ = 0;   // stack[0, agree_) == best_[0, agree_)
  State best_state_ = 0;
  std::vector<LinearizedPrefix> alternatives_;
};

}  // namespace faultline::checker::detail
