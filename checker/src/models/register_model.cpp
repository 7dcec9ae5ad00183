// Register models: `register` (read, write) and `cas-register` (read, write, cas [from to]).
// State: the id of the value held (null at start). Knossos / Jepsen value shapes:
//   {f read,  value v}        (the value is on the ok completion; unknown reads constrain nothing)
//   {f write, value v}
//   {f cas,   value [from to]} (cas-register only)
#include <string>

#include "faultline/checker/model.h"

namespace faultline::checker {
namespace {

enum RegisterOp : int32_t { kRead = 0, kWrite = 1, kCas = 2 };

class RegisterMachine final : public StateMachine {
 public:
  explicit RegisterMachine(const ValueInterner& values) : values_(values) {}
  State init() override { return ValueInterner::kNull; }
  bool step(State s, const CompiledOp& op, State& next) override {
    switch (op.f) {
      case kRead:
        next = s;
        return !op.output_known || op.a == s;
      case kWrite:
        next = op.a;
        return true;
      case kCas:
        if (s != op.a) return false;
        next = op.b;
        return true;
      default:
        return false;
    }
  }
  Json describe(State s) const override { return values_.value(s); }

 private:
  const ValueInterner& values_;
};

class RegisterModel final : public Model {
 public:
  explicit RegisterModel(bool with_cas) : with_cas_(with_cas) {}
  std::string_view name() const override { return with_cas_ ? "cas-register" : "register"; }

  std::optional<CompiledOp> compile(const Op& invoke, const Op* ok,
                                    ValueInterner& values) const override {
    const std::string_view f = bare_name(invoke.f);
    CompiledOp op;
    op.output_known = ok != nullptr;
    if (f == "read") {
      if (!ok) return std::nullopt;  // unknown result: constrains nothing, changes nothing
      op.f = kRead;
      op.a = values.intern(ok->value);
      op.read_only = true;
    } else if (f == "write") {
      op.f = kWrite;
      op.a = values.intern(invoke.value);
    } else if (f == "cas" && with_cas_) {
      const Json& v = invoke.value;
      if (!v.is_array() || v.size() != 2) {
        throw ModelError("op " + std::to_string(invoke.index) +
                         ": cas expects value [expected new], got " + v.dump());
      }
      op.f = kCas;
      op.a = values.intern(v[0]);
      op.b = values.intern(v[1]);
    } else {
      throw ModelError("op " + std::to_string(invoke.index) + ": " + std::string(name()) +
                       " has no operation '" + invoke.f + "' (expected read, write" +
                       (with_cas_ ? ", cas)" : ")"));
    }
    return op;
  }

  std::unique_ptr<StateMachine> machine(const ValueInterner& values) const override {
    return std::make_unique<RegisterMachine>(values);
  }

 private:
  bool with_cas_;
};

}  // namespace

std::unique_ptr<Model> make_register_model() {
  return per_key(std::make_unique<RegisterModel>(false));
}
std::unique_ptr<Model> make_cas_register_model() {
  return per_key(std::make_unique<RegisterModel>(true));
}

}  // namespace faultline::checker
