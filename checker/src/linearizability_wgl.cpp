// Wing & Gong's linearizability search with Lowe's memoisation, over a doubly linked list of
// call/return entries (the shape Porcupine uses). See linearizability.h for the semantics.
//
// The list holds, in history order, a call entry and a return entry per op; ops that never
// returned (info / pending) have their return at +infinity, i.e. after every other entry.
// Scanning from the head, a call entry is a candidate to linearize next; reaching a return entry
// means the op it closes must have been linearized already, so the search backtracks. The search
// succeeds once every op that returned is linearized: ops still pending may take effect later or
// never. Hot loop: no allocation (arrays preallocated, memo grows geometrically).
#include <algorithm>
#include <cstdint>

#include "faultline/core/assert.h"
#include "linearizability_search.h"

namespace faultline::checker::detail {
namespace {

struct EntryList {
  // Node 0 is the head sentinel; nodes 1..2n are entries; -1 ends the list.
  std::vector<int32_t> next, prev, op, match;
  std::vector<uint8_t> is_call;

  explicit EntryList(const CompiledPartition& p) {
    const size_t n = p.size();
    struct Event {
      int64_t pos;
      int32_t op;
      bool call;
    };
    std::vector<Event> events;
    events.reserve(2 * n);
    for (size_t i = 0; i < n; ++i) {
      events.push_back({p.invoke_pos[i], static_cast<int32_t>(i), true});
      events.push_back({p.return_pos[i], static_cast<int32_t>(i), false});
    }
    // Positions are distinct except the +infinity returns, which keep op order.
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.pos < b.pos; });
    const size_t m = 2 * n + 1;
    next.assign(m, -1);
    prev.assign(m, -1);
    op.assign(m, -1);
    match.assign(m, -1);
    is_call.assign(m, 0);
    std::vector<int32_t> call_node(n, -1);
    for (size_t k = 0; k < events.size(); ++k) {
      const int32_t node = static_cast<int32_t>(k + 1);
      op[node] = events[k].op;
      is_call[node] = events[k].call;
      prev[node] = node - 1;
      next[node - 1] = node;
      if (events[k].call) {
        call_node[events[k].op] = node;
      } else {
        FL_ASSERT(call_node[events[k].op] > 0);
        match[call_node[events[k].op]] = node;
      }
    }
  }
  // Removes call entry c and its return from the list.
  void lift(int32_t c) {
    const int32_t r = match[c];
    next[prev[c]] = next[c];
    if (next[c] >= 0) prev[next[c]] = prev[c];
    next[prev[r]] = next[r];
    if (next[r] >= 0) prev[next[r]] = prev[r];
  }
  // Undoes lift(c); must be called in reverse order of lifts.
  void unlift(int32_t c) {
    const int32_t r = match[c];
    next[prev[r]] = r;
    if (next[r] >= 0) prev[next[r]] = r;
    next[prev[c]] = c;
    if (next[c] >= 0) prev[next[c]] = c;
  }
};

}  // namespace

SearchOutcome search_linearizable(const CompiledPartition& p, StateMachine& machine,
                                  SearchBudget& budget) {
  SearchOutcome out;
  const size_t n = p.size();
  EntryList list(p);
  OpBitset linearized(n);
  MemoTable memo(linearized.word_count(), budget.memory);
  PrefixTracker tracker;

  struct Frame {
    int32_t node;
    State state;
  };
  std::vector<Frame> frames;
  frames.reserve(n);
  std::vector<int32_t> stack;  // ops, parallel to frames (for the prefix tracker / witness)
  stack.reserve(n);

  int64_t returning_left = 0;  // ops with a return entry not yet linearized
  for (size_t i = 0; i < n; ++i) returning_left += p.returns(i);

  const State init = machine.init();
  State state = init;
  int32_t node = list.next[0];
  int64_t steps = 0;
  size_t blocking_depth = SIZE_MAX;  // depth at which blocking_op was recorded
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
    FL_ASSERT(node > 0);
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
    const int32_t op = list.op[node];
    if (list.is_call[node]) {
      State next_state;
      if (machine.step(state, p.ops[static_cast<size_t>(op)], next_state)) {
        linearized.flip(static_cast<size_t>(op));
        const MemoTable::Insert r = memo.insert(linearized, next_state);
        if (r == MemoTable::Insert::New) {
          frames.push_back({node, state});
          stack.push_back(op);
          tracker.pushed(stack, next_state);
          state = next_state;
          list.lift(node);
          returning_left -= p.returns(static_cast<size_t>(op));
          node = list.next[0];
          continue;
        }
        linearized.flip(static_cast<size_t>(op));
        if (r == MemoTable::Insert::OverBudget) {
          out.reason = "memory limit";
          return finish(Verdict::Unknown);
        }
      }
      node = list.next[node];
    } else {
      // A return entry whose op is not linearized: backtrack.
      FL_ASSERT(p.returns(static_cast<size_t>(op)));
      if (tracker.at_best(stack.size()) && blocking_depth != stack.size()) {
        out.blocking_op = op;
        blocking_depth = stack.size();
      }
      if (frames.empty()) return finish(Verdict::Invalid);
      const Frame top = frames.back();
      frames.pop_back();
      const int32_t top_op = list.op[top.node];
      stack.pop_back();
      tracker.popped(stack.size());
      linearized.flip(static_cast<size_t>(top_op));
      state = top.state;
      list.unlift(top.node);
      returning_left += p.returns(static_cast<size_t>(top_op));
      node = list.next[top.node];
    }
  }
  out.order = stack;
  return finish(Verdict::Valid);
}

}  // namespace faultline::checker::detail
