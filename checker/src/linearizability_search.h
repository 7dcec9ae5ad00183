// Internal: the per-partition searches behind check_consistency (linearizability.h).
//
// A search is resumable: run(steps) advances it by at most `steps` loop iterations and returns
// true once its outcome is final, so one thread can interleave the partitions of a history
// (linearizability_run.cpp) and an easy invalid partition is found even while hard ones are
// still being searched. Every search polls the shared SearchBudget: the cancel flag, the
// deadline (every kPollSteps iterations) and the memory its machine holds (charged to the same
// budget as the memo tables).
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
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
  bool expired() const {
    return deadline && std::chrono::steady_clock::now() >= *deadline;
  }
};

// Knobs of the search (ConsistencyOptions::prune maps here); the defaults are the fast path.
struct SearchTuning {
  bool prune = true;   // StateMachine::can_reach pruning, when the machine offers it
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
  int64_t steps = 0;                     // loop iterations (model steps and backtracks)
  int64_t pruned = 0;                    // steps abandoned by can_reach pruning
};

class PartitionSearch {
 public:
  virtual ~PartitionSearch() = default;
  // Advances by at most `steps` iterations; true when the outcome is final (valid, invalid, or
  // unknown because a budget ran out or the check was cancelled).
  virtual bool run(int64_t steps) = 0;
  // Ends an unfinished search as unknown with `reason`, keeping how far it got.
  virtual void stop(const std::string& reason) = 0;
  virtual const SearchOutcome& outcome() const = 0;
};

// Real-time order (Wing-Gong-Lowe). `machine` is fresh for this partition and outlives the
// search; so do `p` and `budget`.
std::unique_ptr<PartitionSearch> make_linearizable_search(const CompiledPartition& p,
                                                          StateMachine& machine,
                                                          SearchBudget& budget,
                                                          const SearchTuning& tuning);
// Per-process order only.
std::unique_ptr<PartitionSearch> make_sequential_search(const CompiledPartition& p,
                                                        StateMachine& machine,
                                                        SearchBudget& budget,
                                                        const SearchTuning& tuning);

// Runs a search to the end (tests, and callers without interleaving).
inline SearchOutcome run_to_end(PartitionSearch& s) {
  while (!s.run(int64_t{1} << 20)) {
  }
  return s.outcome();
}

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

// The reads a configuration still has to linearize, for StateMachine::can_reach pruning: a
// state is viable only if each of the first kWatched reads not yet linearized (in `rank`
// order: return position for the linearizable search, invocation for the sequential one) can
// still be satisfied from it — directly (can_reach), or through a reset op not yet linearized
// whose target can reach it (the read's "supporters"). Checking any subset of the reads is
// exact; the earliest are the ones a wrong state fails first.
class ReadWatch {
 public:
  static constexpr int kWatched = 16;
  // Beyond this many resets in a partition, a read counts every unlinearized reset as a
  // supporter (cheap, and still exact) instead of finding its own.
  static constexpr size_t kMaxResetsScanned = 2048;
  ReadWatch(const CompiledPartition& p, StateMachine& machine, bool prune, bool by_return);
  bool enabled() const { return enabled_; }
  // False if `state` cannot satisfy a watched read (linearized ops excluded).
  bool viable(State state, const OpBitset& linearized);
  // The search linearized `op` / took it back (backtracking).
  void linearized(int32_t op) {
    if (enabled_ && is_reset_[static_cast<size_t>(op)]) --resets_left_;
  }
  void unlinearized(int32_t op) {
    if (!enabled_) return;
    if (is_reset_[static_cast<size_t>(op)]) ++resets_left_;
    const int32_t r = rank_[static_cast<size_t>(op)];
    if (r >= 0 && static_cast<size_t>(r) < first_) first_ = static_cast<size_t>(r);
  }

 private:
  bool supported(size_t rank, const OpBitset& linearized);

  const CompiledPartition& p_;
  StateMachine& machine_;
  bool enabled_ = false;
  std::vector<int32_t> reads_;   // read ops by rank
  std::vector<int32_t> rank_;    // op -> index in reads_, -1 for other ops
  size_t first_ = 0;             // every read before first_ is linearized
  std::vector<std::pair<int32_t, State>> resets_;   // (op, target)
  std::vector<uint8_t> is_reset_;
  int64_t resets_left_ = 0;      // resets not linearized
  std::vector<std::vector<int32_t>> supporters_;   // per read rank, computed on first need
  std::vector<uint8_t> supporters_known_;
};

// Shared plumbing of both searches: budget polling (cancel, deadline, machine memory) and the
// outcome bookkeeping. `Derived` supplies the loop.
class SearchCore {
 public:
  static constexpr int64_t kPollSteps = 256;
  SearchCore(const CompiledPartition& p, StateMachine& machine, SearchBudget& budget,
             const SearchTuning& tuning, bool by_return);
  ~SearchCore();

 protected:
  // Polls the budget; false (and the outcome finished as unknown) when it ran out.
  bool poll();
  void finish(Verdict v);
  void finish_unknown(const std::string& reason) {
    out_.reason = reason;
    finish(Verdict::Unknown);
  }

  const CompiledPartition& p_;
  StateMachine& machine_;
  SearchBudget& budget_;
  OpBitset linearized_;
  MemoTable memo_;
  PrefixTracker tracker_;
  ReadWatch watch_;
  std::vector<int32_t> stack_;   // linearized ops in order
  State init_ = 0;
  State state_ = 0;
  int64_t returning_left_ = 0;   // ops with an ok completion not yet linearized
  size_t blocking_depth_ = SIZE_MAX;  // depth at which blocking_op was recorded
  SearchOutcome out_;
  bool done_ = false;

 private:
  uint64_t machine_charged_ = 0;
};

}  // namespace faultline::checker::detail
