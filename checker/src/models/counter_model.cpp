// `counter`: an integer counter starting at 0 (Jepsen's counter workload).
//   {f add,  value d}   adds the integer d (negative allowed);
//   {f read, value n}   observes n, on the ok completion; an unknown (info) or null read
//                       constrains nothing and is left out.
// State: the current sum, interned in a StateTable so handles stay dense and non-negative
// whatever the sum is. Sums wrap on int64 overflow (two's complement), like the counters under
// test would.
#include <string>

#include "faultline/checker/model.h"

namespace faultline::checker {
namespace {

enum CounterOp : int32_t { kAdd = 0, kRead = 1 };

int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

class CounterMachine final : public StateMachine {
 public:
  State init() override { return sums_.intern(&kZero, 1); }
  bool step(State s, const CompiledOp& op, State& next) override {
    const int64_t sum = *sums_.data(s);
    if (op.f == kRead) {
      next = s;
      return !op.output_known || op.a == sum;
    }
    const int64_t updated = wrapping_add(sum, op.a);
    next = sums_.intern(&updated, 1);
    return true;
  }
  Json describe(State s) const override { return *sums_.data(s); }

  uint64_t memory_bytes() const override { return sums_.bytes(); }

 private:
  static constexpr int64_t kZero = 0;
  StateTable sums_;
};

int64_t integer_value(const Json& v, const Op& op, const char* what) {
  if (!v.is_number_integer()) {
    throw ModelError("op " + std::to_string(op.index) + ": counter " + what +
                     " expects an integer value, got " + v.dump());
  }
  return v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>();
}

class CounterModel final : public Model {
 public:
  std::string_view name() const override { return "counter"; }

  std::optional<CompiledOp> compile(const Op& invoke, const Op* ok,
                                    ValueInterner& values) const override {
    (void)values;  // sums are arithmetic, not interned values
    const std::string_view f = bare_name(invoke.f);
    CompiledOp op;
    op.output_known = ok != nullptr;
    if (f == "add") {
      op.f = kAdd;
      op.a = integer_value(invoke.value, invoke, "add");
    } else if (f == "read") {
      if (!ok || ok->value.is_null()) return std::nullopt;  // unknown read
      op.f = kRead;
      op.a = integer_value(ok->value, *ok, "read");
    } else {
      throw ModelError("op " + std::to_string(invoke.index) + ": counter has no operation '" +
                       invoke.f + "' (expected add, read)");
    }
    return op;
  }

  std::unique_ptr<StateMachine> machine(const ValueInterner&) const override {
    return std::make_unique<CounterMachine>();
  }
};

}  // namespace

std::unique_ptr<Model> make_counter_model() { return per_key(std::make_unique<CounterModel>()); }

}  // namespace faultline::checker
