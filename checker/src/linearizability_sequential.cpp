// Sequential consistency: the memoised depth-first search of linearizability_wgl.cpp, but the
// only order constraint is each logical process's program order (no real-time order between
// processes). Ops that never returned (info / pending) are the last op of their logical process
// (a process that got `info` is never reused) and may be left out.
//
// At each depth the candidates (each process's next op) are tried in invocation order, so the
// first path the search follows is the real-time order: a linearizable history (the common
// case) is found sequentially consistent without wandering.
#include <algorithm>
#include <cstdint>

#include "faultline/core/assert.h"
#include "linearizability_search.h"

namespace faultline::checker::detail {
namespace {

// Ops per logical process, in program (invocation) order; p.ops is sorted by invocation.
std::vector<std::vector<int32_t>> program_orders(const CompiledPartition& p) {
  std::vector<std::vector<int32_t>> seq;
  std::vector<std::pair<int64_t, int32_t>> by_proc;  // (process, op)
  by_proc.reserve(p.size());
  for (size_t i = 0; i < p.size(); ++i) by_proc.emplace_back(p.process[i], static_cast<int32_t>(i));
  std::stable_sort(by_proc.begin(), by_proc.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < by_proc.size(); ++i) {
    if (i == 0 || by_proc[i].first != by_proc[i - 1].first) seq.emplace_back();
    seq.back().push_back(by_proc[i].second);
  }
  return seq;
}

class SequentialSearch final : public PartitionSearch, private SearchCore {
 public:
  SequentialSearch(const CompiledPartition& p, StateMachine& machine, SearchBudget& budget,
                   const SearchTuning& tuning)
      : SearchCore(p, machine, budget, tuning, /*by_return=*/false),
        seq_(program_orders(p)),
        pos_(seq_.size(), 0) {
    frames_.reserve(p.size());
    candidates_.reserve(seq_.size());
    order_candidates();
    if (returning_left_ == 0) finish(Verdict::Valid);
  }

  const SearchOutcome& outcome() const override { return out_; }
  void stop(const std::string& reason) override {
    if (!done_) finish_unknown(reason);
  }

  bool run(int64_t steps) override {
    while (!done_ && steps-- > 0) {
      if ((++out_.steps & (kPollSteps - 1)) == 0 && !poll()) break;
      iterate();
    }
    return done_;
  }

 private:
  // `forced`: a read-only op taken as soon as it was legal (see linearizability_wgl.cpp; in
  // program order alone the same exchange argument holds), so backtracking passes through it.
  struct Frame {
    size_t proc;
    size_t rank;   // index of proc in that depth's candidate order
    State state;
    bool forced;
  };

  // Processes with a next op, by that op's id (= invocation order); recomputed per depth.
  void order_candidates() {
    candidates_.clear();
    for (size_t pr = 0; pr < seq_.size(); ++pr) {
      if (pos_[pr] < seq_[pr].size()) candidates_.push_back(pr);
    }
    std::sort(candidates_.begin(), candidates_.end(), [&](size_t a, size_t b) {
      return seq_[a][pos_[a]] < seq_[b][pos_[b]];
    });
    cursor_ = 0;
  }

  // One step: try the next candidate at this depth, or backtrack when none is left.
  void iterate() {
    if (cursor_ < candidates_.size()) {
      const size_t rank = cursor_++;
      const size_t pr = candidates_[rank];
      const int32_t op = seq_[pr][pos_[pr]];
      const auto i = static_cast<size_t>(op);
      const CompiledOp& cop = p_.ops[i];
      State next_state;
      if (!machine_.step(state_, cop, next_state)) return;
      linearized_.flip(i);
      if (next_state != state_ && watch_.enabled() && !watch_.viable(next_state, linearized_)) {
        linearized_.flip(i);
        ++out_.pruned;
        return;
      }
      const MemoTable::Insert r = memo_.insert(linearized_, next_state);
      if (r == MemoTable::Insert::New) {
        frames_.push_back({pr, rank, state_, cop.read_only});
        stack_.push_back(op);
        watch_.linearized(op);
        tracker_.pushed(stack_, next_state);
        state_ = next_state;
        ++pos_[pr];
        returning_left_ -= p_.returns(i);
        if (returning_left_ == 0) {
          finish(Verdict::Valid);
          return;
        }
        order_candidates();
        return;
      }
      linearized_.flip(i);
      if (r == MemoTable::Insert::OverBudget) {
        finish_unknown("memory limit");
        return;
      }
      if (!cop.read_only) return;
      // A legal read whose successor already failed: this whole depth fails.
      cursor_ = candidates_.size();
    }
    note_blocking();
    backtrack();
  }

  // Every process's next op was tried at this depth: report the earliest-invoked next op that
  // had to happen (it returned), when this is the longest prefix.
  void note_blocking() {
    if (!tracker_.at_best(stack_.size()) || blocking_depth_ == stack_.size()) return;
    int32_t blocking = -1;
    for (size_t pr : candidates_) {
      const int32_t op = seq_[pr][pos_[pr]];
      if (p_.returns(static_cast<size_t>(op)) && (blocking < 0 || op < blocking)) blocking = op;
    }
    out_.blocking_op = blocking;
    blocking_depth_ = stack_.size();
  }

  void backtrack() {
    Frame top{};
    do {
      if (frames_.empty()) {
        finish(Verdict::Invalid);
        return;
      }
      top = frames_.back();
      frames_.pop_back();
      const int32_t top_op = stack_.back();
      stack_.pop_back();
      tracker_.popped(stack_.size());
      linearized_.flip(static_cast<size_t>(top_op));
      watch_.unlinearized(top_op);
      state_ = top.state;
      --pos_[top.proc];
      returning_left_ += p_.returns(static_cast<size_t>(top_op));
    } while (top.forced);
    order_candidates();
    FL_ASSERT(candidates_[top.rank] == top.proc);
    cursor_ = top.rank + 1;
  }

  std::vector<std::vector<int32_t>> seq_;
  std::vector<size_t> pos_;
  std::vector<Frame> frames_;
  std::vector<size_t> candidates_;
  size_t cursor_ = 0;  // next rank to try at the current depth
};

}  // namespace

std::unique_ptr<PartitionSearch> make_sequential_search(const CompiledPartition& p,
                                                        StateMachine& machine,
                                                        SearchBudget& budget,
                                                        const SearchTuning& tuning) {
  return std::make_unique<SequentialSearch>(p, machine, budget, tuning);
}

}  // namespace faultline::checker::detail
