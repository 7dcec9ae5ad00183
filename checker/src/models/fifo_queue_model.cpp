// `fifo-queue`: a first-in-first-out queue, empty at start (Knossos' fifo-queue).
//   {f enqueue, value x}   appends x;
//   {f dequeue, value x}   on the ok completion: removed the head, which was x; an ok dequeue
//                          with a null value saw the queue empty (nothing removed). A dequeue
//                          with unknown output (info) removes the head, if any (taking effect
//                          on an empty queue changes nothing, which is the same as not taking
//                          effect, so the search covers it by leaving the op out).
// Elements are any JSON values, compared by value. State: the value ids in queue order, front
// first, interned in a StateTable.
#include <algorithm>
#include <string>

#include "faultline/checker/model.h"

namespace faultline::checker {
namespace {

enum QueueOp : int32_t { kEnqueue = 0, kDequeue = 1, kDequeueEmpty = 2 };

class FifoQueueMachine final : public StateMachine {
 public:
  explicit FifoQueueMachine(const ValueInterner& values) : values_(values) {}
  State init() override { return contents_.intern(nullptr, 0); }

  bool step(State s, const CompiledOp& op, State& next) override {
    const int64_t* front = contents_.data(s);
    const size_t n = contents_.size(s);
    switch (op.f) {
      case kEnqueue:
        scratch_.assign(front, front + n);  // copy: intern() may move the table's storage
        scratch_.push_back(op.a);
        break;
      case kDequeue:
        if (n == 0 || (op.output_known && front[0] != op.a)) return false;
        scratch_.assign(front + 1, front + n);
        break;
      case kDequeueEmpty:
        next = s;
        return n == 0;
      default:
        return false;
    }
    next = contents_.intern(scratch_);
    return true;
  }

  Json describe(State s) const override {
    Json out = Json::array();
    const int64_t* p = contents_.data(s);
    for (size_t i = 0; i < contents_.size(s); ++i) out.push_back(values_.value(p[i]));
    return out;
  }

  uint64_t memory_bytes() const override { return contents_.bytes(); }

 private:
  const ValueInterner& values_;
  StateTable contents_;
  std::vector<int64_t> scratch_;  // reused: no allocation in steady state
};

class FifoQueueModel final : public Model {
 public:
  std::string_view name() const override { return "fifo-queue"; }

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
      throw ModelError("op " + std::to_string(invoke.index) + ": fifo-queue has no operation '" +
                       invoke.f + "' (expected enqueue, dequeue)");
    }
    return op;
  }

  std::unique_ptr<StateMachine> machine(const ValueInterner& values) const override {
    return std::make_unique<FifoQueueMachine>(values);
  }
};

}  // namespace

std::unique_ptr<Model> make_fifo_queue_model() {
  return per_key(std::make_unique<FifoQueueModel>());
}

}  // namespace faultline::checker
