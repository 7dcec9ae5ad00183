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

// Symmetry reduction: ops that never returned and are identical (same compiled op) are
// interchangeable in time order — swapping two of them in a linearization keeps it legal, since
// neither constrains later ops and the earlier-invoked one can stand wherever the later one
// stood. So they are linearized in invocation order: op i only after twin_before[i].
// (Within one partition identical compiled ops are identical operations. The sequential check
// also runs this search over merged partitions, where same-looking ops of different keys are
// not twins: there the rule only narrows the search, so a `valid` answer is still a real
// linearization, and any other answer falls back to the exact sequential search.)
std::vector<int32_t> twins_before(const CompiledPartition& p) {
  std::vector<int32_t> before(p.size(), -1);
  std::vector<int32_t> pending;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p.returns(i)) continue;
    const CompiledOp& a = p.ops[i];
    for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
      const CompiledOp& b = p.ops[static_cast<size_t>(*it)];
      if (a.f == b.f && a.a == b.a && a.b == b.b && a.list == b.list) {
        before[i] = *it;
        break;
      }
    }
    pending.push_back(static_cast<int32_t>(i));
  }
  return before;
}

// The search loop, resumable (see linearizability_search.h).
class WglSearch final : public PartitionSearch, private SearchCore {
 public:
  WglSearch(const CompiledPartition& p, StateMachine& machine, SearchBudget& budget,
            const SearchTuning& tuning)
      : SearchCore(p, machine, budget, tuning, /*by_return=*/true),
        list_(p),
        twin_before_(twins_before(p)) {
    frames_.reserve(p.size());
    node_ = list_.next[0];
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
  // A frame is `forced` when its op is read-only (CompiledOp::read_only): such an op is
  // linearized as soon as it is legal, because moving a pure read earlier — to a point where it
  // is legal and real-time order allows it — never breaks a linearization. So when the search
  // comes back to a forced frame, no other choice at that depth can succeed either.
  struct Frame {
    int32_t node;
    State state;
    bool forced;
  };

  // One step of the search: try the entry at node_, or backtrack.
  void iterate() {
    FL_ASSERT(node_ > 0);
    const int32_t op = list_.op[node_];
    if (!list_.is_call[node_]) {
      // A return entry whose op is not linearized: backtrack.
      FL_ASSERT(p_.returns(static_cast<size_t>(op)));
      if (tracker_.at_best(stack_.size()) && blocking_depth_ != stack_.size()) {
        out_.blocking_op = op;
        blocking_depth_ = stack_.size();
      }
      backtrack();
      return;
    }
    const int32_t twin = twin_before_[static_cast<size_t>(op)];
    if (twin >= 0 && !linearized_.test(static_cast<size_t>(twin))) {
      node_ = list_.next[node_];
      return;
    }
    switch (try_op(op)) {
      case Try::Taken:
        list_.lift(node_);
        node_ = list_.next[0];
        if (returning_left_ == 0) finish(Verdict::Valid);
        return;
      case Try::Skip:
        node_ = list_.next[node_];
        return;
      case Try::DeadEnd:
        backtrack();
        return;
      case Try::OverBudget:
        finish_unknown("memory limit");
        return;
    }
  }

  enum class Try { Taken, Skip, DeadEnd, OverBudget };

  // Linearizes op next if it is legal, viable and its configuration is new.
  Try try_op(int32_t op) {
    const auto i = static_cast<size_t>(op);
    const CompiledOp& cop = p_.ops[i];
    State next_state;
    if (!machine_.step(state_, cop, next_state)) return Try::Skip;
    linearized_.flip(i);
    if (next_state != state_ && watch_.enabled() && !watch_.viable(next_state, linearized_)) {
      linearized_.flip(i);
      ++out_.pruned;
      return Try::Skip;
    }
    const MemoTable::Insert r = memo_.insert(linearized_, next_state);
    if (r == MemoTable::Insert::New) {
      frames_.push_back({node_, state_, cop.read_only});
      stack_.push_back(op);
      watch_.linearized(op);
      tracker_.pushed(stack_, next_state);
      state_ = next_state;
      returning_left_ -= p_.returns(i);
      return Try::Taken;
    }
    linearized_.flip(i);
    if (r == MemoTable::Insert::OverBudget) return Try::OverBudget;
    // A legal read whose successor configuration already failed: this whole depth fails.
    return cop.read_only ? Try::DeadEnd : Try::Skip;
  }

  // Undoes the last choice, and keeps undoing past forced (read-only) choices.
  void backtrack() {
    Frame top{};
    do {
      if (frames_.empty()) {
        finish(Verdict::Invalid);
        return;
      }
      top = frames_.back();
      frames_.pop_back();
      const int32_t top_op = list_.op[top.node];
      stack_.pop_back();
      tracker_.popped(stack_.size());
      linearized_.flip(static_cast<size_t>(top_op));
      watch_.unlinearized(top_op);
      state_ = top.state;
      list_.unlift(top.node);
      returning_left_ += p_.returns(static_cast<size_t>(top_op));
    } while (top.forced);
    node_ = list_.next[top.node];
  }

  EntryList list_;
  const std::vector<int32_t> twin_before_;
  std::vector<Frame> frames_;
  int32_t node_ = 0;
};

}  // namespace

std::unique_ptr<PartitionSearch> make_linearizable_search(const CompiledPartition& p,
                                                          StateMachine& machine,
                                                          SearchBudget& budget,
                                                          const SearchTuning& tuning) {
  return std::make_unique<WglSearch>(p, machine, budget, tuning);
}

}  // namespace faultline::checker::detail
