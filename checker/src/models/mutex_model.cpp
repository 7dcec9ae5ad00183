// `mutex`: one lock, free at start (Knossos' mutex).
//   {f acquire}  legal only when free; the lock is then held;
//   {f release}  legal only when held; the lock is then free.
// Values are ignored. A `fail` (e.g. `:error :not-held`) did not happen, so the checker drops it;
// an `info` acquire/release may have taken effect or not. Who holds the lock is not modelled
// (as in Knossos): a release by another process than the acquirer is legal.
// State: 0 free, 1 held.
#include <string>

#include "faultline/checker/model.h"

namespace faultline::checker {
namespace {

enum MutexOp : int32_t { kAcquire = 0, kRelease = 1 };
constexpr State kFree = 0;
constexpr State kHeld = 1;

class MutexMachine final : public StateMachine {
 public:
  State init() override { return kFree; }
  bool step(State s, const CompiledOp& op, State& next) override {
    if (op.f == kAcquire) {
      next = kHeld;
      return s == kFree;
    }
    next = kFree;
    return s == kHeld;
  }
  Json describe(State s) const override { return s == kHeld ? "held" : "free"; }
};

class MutexModel final : public Model {
 public:
  std::string_view name() const override { return "mutex"; }

  std::optional<CompiledOp> compile(const Op& invoke, const Op* ok,
                                    ValueInterner&) const override {
    const std::string_view f = bare_name(invoke.f);
    CompiledOp op;
    op.output_known = ok != nullptr;
    if (f == "acquire") {
      op.f = kAcquire;
    } else if (f == "release") {
      op.f = kRelease;
    } else {
      throw ModelError("op " + std::to_string(invoke.index) + ": mutex has no operation '" +
                       invoke.f + "' (expected acquire, release)");
    }
    return op;
  }

  std::unique_ptr<StateMachine> machine(const ValueInterner&) const override {
    return std::make_unique<MutexMachine>();
  }
};

}  // namespace

std::unique_ptr<Model> make_mutex_model() { return per_key(std::make_unique<MutexModel>()); }

}  // namespace faultline::checker
