// `unordered-queue`: a multiset queue, empty at start (Knossos' unordered-queue): a dequeue may
// remove any element present.
//   {f enqueue, value x}   adds x;
//   {f dequeue, value x}   on the ok completion: removed one x; an ok dequeue with a null
//                          value saw the queue empty. A dequeue with unknown output (info)
//                          removed SOME element present at its linearization point, we do not
//                          know which.
//
// That last case makes the model nondeterministic, but the StateMachine interface wants one next
// state, so the state is the exact SET of possible contents, in this compact form: a list of
// epochs (E_i, u_i), oldest first, where E_i are the elements enqueued during epoch i and not
// taken by a known dequeue, and u_i the unknown dequeues that took effect at the end of epoch i.
// An unknown dequeue of epoch i took an element of E_1..E_i (one present at its point), so the
// possible contents are "all E minus a choice of distinct elements for the debts", and such a
// choice exists iff for every j: u_1 + .. + u_j <= |E_1| + .. + |E_j| (Hall's condition for
// nested ranges). Invariant of a canonical state: every such prefix is STRICT (a tight prefix
// means all elements of those epochs are spoken for, so they are dropped), every epoch but the
// last has u_i >= 1, and no epoch but the last is empty (an empty epoch's debts draw on exactly
// the epochs before it, so they merge into its predecessor). Hence:
//   enqueue x          adds x to the last epoch (a new one if the last has debts);
//   dequeue unknown    legal iff the state is non-empty: u_last + 1;
//   dequeue x (ok)     legal iff some epoch holds x: removes it from the LATEST such epoch (an
//                      older copy can pay more debts, so keeping it dominates);
//   dequeue empty (ok) legal iff there are no epochs;
// then the state is renormalised. Each step is exact (no over-approximation), so a witness order
// replays literally against the nondeterministic definition; the property tests check that
// against a brute-force oracle that branches over every element an unknown dequeue could take.
// State words: per epoch [u_i, |E_i|, sorted value ids of E_i...], interned in a StateTable.
#include <algorithm>
#include <string>

#include "faultline/checker/model.h"
#include "faultline/core/assert.h"

namespace faultline::checker {
namespace {

enum QueueOp : int32_t { kEnqueue = 0, kDequeue = 1, kDequeueEmpty = 2 };

class UnorderedQueueMachine final : public StateMachine {
 public:
  explicit UnorderedQueueMachine(const ValueInterner& values) : values_(values) {}
  State init() override { return table_.intern(nullptr, 0); }

  bool step(State s, const CompiledOp& op, State& next) override {
    if (op.f == kDequeueEmpty) {
      next = s;
      return table_.size(s) == 0;
    }
    load(s);
    const size_t n = debts_.size();
    if (op.f == kEnqueue) {
      if (n == 0 || debts_.back() > 0) {  // a new epoch
        debts_.push_back(0);
        begin_.push_back(begin_.back());
      }
      const size_t last = debts_.size() - 1;
      auto pos = std::upper_bound(elems_.begin() + static_cast<std::ptrdiff_t>(begin_[last]),
                                  elems_.begin() + static_cast<std::ptrdiff_t>(begin_[last + 1]),
                                  op.a);
      elems_.insert(pos, op.a);
      ++begin_[last + 1];
    } else if (op.f == kDequeue && !op.output_known) {
      if (n == 0) return false;  // on an empty queue it would change nothing: leave it out
      ++debts_.back();
    } else if (op.f == kDequeue) {
      bool found = false;
      for (size_t i = n; i-- > 0 && !found;) {
        auto lo = elems_.begin() + static_cast<std::ptrdiff_t>(begin_[i]);
        auto hi = elems_.begin() + static_cast<std::ptrdiff_t>(begin_[i + 1]);
        auto at = std::lower_bound(lo, hi, op.a);
        if (at != hi && *at == op.a) {
          elems_.erase(at);
          for (size_t k = i + 1; k <= n; ++k) --begin_[k];
          found = true;
        }
      }
      if (!found) return false;
    } else {
      return false;
    }
    next = store();
    return true;
  }

  Json describe(State s) const override {
    const int64_t* w = table_.data(s);
    const size_t size = table_.size(s);
    Json members = Json::array();
    int64_t unknown = 0;
    for (size_t i = 0; i < size;) {
      unknown += w[i];
      const auto c = static_cast<size_t>(w[i + 1]);
      for (size_t k = 0; k < c; ++k) members.push_back(values_.value(w[i + 2 + k]));
      i += 2 + c;
    }
    if (unknown == 0) return members;
    return Json{{"contents", members}, {"unknown_dequeues", unknown}};
  }

  uint64_t memory_bytes() const override { return table_.bytes(); }

 private:
  // Unpacks state s into debts_ / begin_ / elems_ (epoch i's elements: [begin_[i], begin_[i+1])).
  void load(State s) {
    const int64_t* w = table_.data(s);
    const size_t size = table_.size(s);
    debts_.clear();
    elems_.clear();
    begin_.assign(1, 0);
    for (size_t i = 0; i < size;) {
      debts_.push_back(w[i]);
      const auto c = static_cast<size_t>(w[i + 1]);
      elems_.insert(elems_.end(), w + i + 2, w + i + 2 + c);
      begin_.push_back(elems_.size());
      i += 2 + c;
    }
  }

  // Normalises debts_ / begin_ / elems_ (see file comment) and interns the result.
  State store() {
    const size_t n = debts_.size();
    size_t first = 0;  // epochs before `first` are fully spoken for (tight prefix)
    int64_t sum_debts = 0, sum_elems = 0;
    for (size_t i = 0; i < n; ++i) {
      sum_debts += debts_[i];
      sum_elems += static_cast<int64_t>(begin_[i + 1] - begin_[i]);
      FL_ASSERT(sum_debts <= sum_elems);
      if (sum_debts == sum_elems) first = i + 1;
    }
    out_.clear();
    size_t prev_debt_word = SIZE_MAX;  // where the previous emitted epoch's u_i sits in out_
    for (size_t i = first; i < n; ++i) {
      const size_t c = begin_[i + 1] - begin_[i];
      if (c == 0) {
        // Empty epoch: its debts merge into the previous epoch. A first remaining epoch cannot
        // be empty with debts (its prefix would not be strict); an empty debt-free one is gone.
        if (prev_debt_word != SIZE_MAX) out_[prev_debt_word] += debts_[i];
        else FL_ASSERT(debts_[i] == 0);
        continue;
      }
      prev_debt_word = out_.size();
      out_.push_back(debts_[i]);
      out_.push_back(static_cast<int64_t>(c));
      out_.insert(out_.end(), elems_.begin() + static_cast<std::ptrdiff_t>(begin_[i]),
                  elems_.begin() + static_cast<std::ptrdiff_t>(begin_[i + 1]));
    }
    return table_.intern(out_);
  }

  const ValueInterner& values_;
  StateTable table_;
  // Scratch, reused across steps: no allocation in steady state.
  std::vector<int64_t> debts_;
  std::vector<size_t> begin_;
  std::vector<int64_t> elems_;
  std::vector<int64_t> out_;
};

class UnorderedQueueModel final : public Model {
 public:
  std::string_view name() const override { return "unordered-queue"; }

  std::optional<CompiledOp> compile(const Op& invoke, const Op* ok,
                                    ValueInterner& values) const override {
    const std::string_view f = bare_name(invoke.f);
    CompiledOp op;
    op.output_known = ok != nullptr;
    if (f == "enqueue") {
      op.f = kEnqueue;
      op.a = values.intern(invoke.value);
    } else if (f == "dequeue") {
      op.f = ok && ok->value.is_null() ? kDequeueEmpty : kDequeue;
      if (ok) op.a = values.intern(ok->value);
    } else {
      throw ModelError("op " + std::to_string(invoke.index) +
                       ": unordered-queue has no operation '" + invoke.f +
                       "' (expected enqueue, dequeue)");
    }
    return op;
  }

  std::unique_ptr<StateMachine> machine(const ValueInterner& values) const override {
    return std::make_unique<UnorderedQueueMachine>(values);
  }
};

}  // namespace

std::unique_ptr<Model> make_unordered_queue_model() {
  return per_key(std::make_unique<UnorderedQueueModel>());
}

}  // namespace faultline::checker
