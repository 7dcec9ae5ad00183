// `unordered-queue`: a multiset queue, empty at start (Knossos' unordered-queue): a dequeue may
// remove any element present.
//   {f enqueue, value x}   adds x;
//   {f dequeue, value x}   on the ok completion: removed one x; an ok dequeue with a null
//                          value saw the queue empty. A dequeue with unknown output (info)
//                          removed SOME element, we do not know which.
//
// That last case makes the model nondeterministic, but the StateMachine interface wants one next
// state. State (M, k): M = the multiset of elements enqueued and not dequeued by a known
// dequeue, k = how many unknown dequeues have taken effect; it stands for "M minus some k of its
// elements". Steps, with the invariant |M| > k or M empty and k = 0:
//   enqueue x         M + x
//   dequeue x (ok)    legal iff x in M and |M| - 1 >= k: M - x
//   dequeue empty     legal iff M is empty
//   dequeue unknown   legal iff |M| > k: k + 1
// and whenever |M| == k, every element left is spoken for: the state becomes (empty, 0).
// This is exact for the search's question "is there an order": a path accepted here maps to a
// concrete one by letting each unknown dequeue take an element still in M later on (an info op
// may always be placed later, its return being at +infinity, and it is last in its process), and
// every concrete path is accepted here (the concrete contents are always a k-smaller sub-multiset
// of M). The property tests check it against a brute-force oracle that branches over every
// element an unknown dequeue could take.
// State words: [k, sorted value ids of M...], interned in a StateTable.
#include <algorithm>
#include <string>

#include "faultline/checker/model.h"

namespace faultline::checker {
namespace {

enum QueueOp : int32_t { kEnqueue = 0, kDequeue = 1, kDequeueEmpty = 2 };

class UnorderedQueueMachine final : public StateMachine {
 public:
  explicit UnorderedQueueMachine(const ValueInterner& values) : values_(values) {}
  State init() override {
    const int64_t empty[1] = {0};
    return contents_.intern(empty, 1);
  }

  bool step(State s, const CompiledOp& op, State& next) override {
    const int64_t* words = contents_.data(s);
    const int64_t k = words[0];
    const int64_t* begin = words + 1;
    const int64_t* end = words + contents_.size(s);
    const auto m = static_cast<int64_t>(end - begin);
    switch (op.f) {
      case kEnqueue: {
        const int64_t* at = std::upper_bound(begin, end, op.a);
        scratch_.assign(words, at);  // copy: intern() may move the table's storage
        scratch_.push_back(op.a);
        scratch_.insert(scratch_.end(), at, end);
        break;
      }
      case kDequeue: {
        if (!op.output_known) {
          if (m <= k) return false;
          scratch_.assign(words, end);
          scratch_[0] = k + 1;
          break;
        }
        const int64_t* at = std::lower_bound(begin, end, op.a);
        if (at == end || *at != op.a || m - 1 < k) return false;
        scratch_.assign(words, at);
        scratch_.insert(scratch_.end(), at + 1, end);
        break;
      }
      case kDequeueEmpty:
        next = s;
        return m == 0;
      default:
        return false;
    }
    if (static_cast<int64_t>(scratch_.size()) - 1 == scratch_[0]) scratch_.assign(1, 0);
    next = contents_.intern(scratch_);
    return true;
  }

  Json describe(State s) const override {
    const int64_t* words = contents_.data(s);
    Json members = Json::array();
    for (size_t i = 1; i < contents_.size(s); ++i) members.push_back(values_.value(words[i]));
    if (words[0] == 0) return members;
    return Json{{"contents", members}, {"unknown_dequeues", words[0]}};
  }

 private:
  const ValueInterner& values_;
  StateTable contents_;
  std::vector<int64_t> scratch_;  // reused: no allocation in steady state
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
