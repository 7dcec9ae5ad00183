// Sequential consistency: the memoised depth-first search of linearizability_wgl.cpp, but the
// only order constraint is each logical process's program order (no real-time order between
// processes). Ops that never returned (info / pending) are the last op of their logical process
// (a process that got `info` is never reused) and may be left out.
#include <algorithm>
#include <cstdint>

#include "faultline/core/assert.h"
#include "linearizability_search.h"

namespace faultline::checker::detail {

SearchOutcome search_sequential(const CompiledPartition& p, StateMachine& machine,
                                SearchBudget& budget) {
  SearchOutcome out;
  const size_t n = p.size();

  // Ops per logical process, in program (invocation) order; p.ops is sorted by invocation.
  std::vector<std::vector<int32_t>> seq;
  {
    std::vector<std::pair<int64_t, int32_t>> by_proc;  // (process, op)
    by_proc.reserve(n);
    for (size_t i = 0; i < n; ++i) by_proc.emplace_back(p.process[i], static_cast<int32_t>(i));
    std::stable_sort(by_proc.begin(), by_proc.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < by_proc.size(); ++i) {
      if (i == 0 || by_proc[i].first != by_proc[i - 1].first) seq.emplace_back();
      seq.back().push_back(by_proc[i].second);
    }
  }
  const size_t procs = seq.size();
  std::vector<size_t> pos(procs, 0);

  OpBitset linearized(n);
  MemoTable memo(linearized.word_count(), budget.memory);
  PrefixTracker tracker;
  struct Frame {
    size_t proc;
    State state;
  };
  std::vector<Frame> frames;
  frames.reserve(n);
  std::vector<int32_t> stack;
  stack.reserve(n);

  int64_t returning_left = 0;
  for (size_t i = 0; i < n; ++i) returning_left += p.returns(i);

  const State init = machine.init();
  State state = init;
  size_t cursor = 0;  // next process to try at the current depth
  int64_t steps = 0;
  size_t blocking_depth = SIZE_MAX;
  auto finish = [&](Verdict v) {
    out.verdict = v;
    out.max_linearized = static_cast<int64_t>(tracker.max_depth());
    out.memo_entries = static_cast<int64_t>(memo.size());
    out.memo_bytes = memo.bytes();
    out.steps = steps;
    if (v != Verdict::Valid) out.prefixes = tracker.prefixes(init);
    return out;
  };

  while (returning_left > 0) {
    if ((++steps & 0xFFF) == 0) {
      if (budget.cancel.load(std::memory_order_relaxed)) {
        out.reason = "cancelled";
        return finish(Verdict::Unknown);
      }
      if (budget.deadline && std::chrono::steady_clock::now() >= *budget.deadline) {
        out.reason = "time limit";
        return finish(Verdict::Unknown);
      }
    }
    if (cursor < procs) {
      const size_t pr = cursor++;
      if (pos[pr] >= seq[pr].size()) continue;
      const int32_t op = seq[pr][pos[pr]];
      State next_state;
      if (!machine.step(state, p.ops[static_cast<size_t>(op)], next_state)) continue;
      linearized.flip(static_cast<size_t>(op));
      const MemoTable::Insert r = memo.insert(linearized, next_state);
      if (r == MemoTable::Insert::New) {
        frames.push_back({pr, state});
        stack.push_back(op);
        tracker.pushed(stack, next_state);
        state = next_state;
        ++pos[pr];
        returning_left -= p.returns(static_cast<size_t>(op));
        cursor = 0;
        continue;
      }
      linearized.flip(static_cast<size_t>(op));
      if (r == MemoTable::Insert::OverBudget) {
        out.reason = "memory limit";
        return finish(Verdict::Unknown);
      }
      continue;
    }
    // Every process's next op was tried at this depth: backtrack.
    if (tracker.at_best(stack.size()) && blocking_depth != stack.size()) {
      // Report the earliest-invoked next op that had to happen (it returned).
      int32_t blocking = -1;
      for (size_t pr = 0; pr < procs; ++pr) {
        if (pos[pr] >= seq[pr].size()) continue;
        const int32_t op = seq[pr][pos[pr]];
        if (p.returns(static_cast<size_t>(op)) && (blocking < 0 || op < blocking)) blocking = op;
      }
      out.blocking_op = blocking;
      blocking_depth = stack.size();
    }
    if (frames.empty()) return finish(Verdict::Invalid);
    const Frame top = frames.back();
    frames.pop_back();
    const int32_t top_op = stack.back();
    stack.pop_back();
    tracker.popped(stack.size());
    linearized.flip(static_cast<size_t>(top_op));
    state = top.state;
    --pos[top.proc];
    returning_left += p.returns(static_cast<size_t>(top_op));
    cursor = top.proc + 1;
  }
  out.order = stack;
  return finish(Verdict::Valid);
}

}  // namespace faultline::checker::detail
