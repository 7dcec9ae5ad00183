// `set`: a grow-only set, empty at start (Knossos' / Jepsen's set).
//   {f add,  value x}          inserts x (adding a member again changes nothing);
//   {f read, value [x, ...]}   observes the whole set, on the ok completion; order and
//                              duplicates in the read do not matter. An unknown (info) or null
//                              read constrains nothing and is left out.
// Elements are any JSON values, compared by value. State: the sorted distinct value ids of the
// members, interned in a StateTable (canonical because sorted).
#include <algorithm>
#include <string>

#include "faultline/checker/model.h"

namespace faultline::checker {
namespace {

enum SetOp : int32_t { kAdd = 0, kRead = 1 };

class SetMachine final : public StateMachine {
 public:
  explicit SetMachine(const ValueInterner& values) : values_(values) {}
  State init() override { return members_.intern(nullptr, 0); }

  bool step(State s, const CompiledOp& op, State& next) override {
    const int64_t* begin = members_.data(s);
    const int64_t* end = begin + members_.size(s);
    if (op.f == kRead) {
      next = s;
      if (!op.output_known) return true;
      return std::equal(begin, end, op.list.begin(), op.list.end());
    }
    const int64_t* at = std::lower_bound(begin, end, op.a);
    if (at != end && *at == op.a) {
      next = s;
      return true;
    }
    // Copy out before interning: intern() may move the table's storage.
    scratch_.assign(begin, at);
    scratch_.push_back(op.a);
    scratch_.insert(scratch_.end(), at, end);
    next = members_.intern(scratch_);
    return true;
  }

  Json describe(State s) const override {
    Json out = Json::array();
    const int64_t* p = members_.data(s);
    for (size_t i = 0; i < members_.size(s); ++i) out.push_back(values_.value(p[i]));
    return out;
  }

  uint64_t memory_bytes() const override { return members_.bytes(); }

 private:
  const ValueInterner& values_;
  StateTable members_;
  std::vector<int64_t> scratch_;  // reused: no allocation in steady state
};

class SetModel final : public Model {
 public:
  std::string_view name() const override { return "set"; }

  std::optional<CompiledOp> compile(const Op& invoke, const Op* ok,
                                    ValueInterner& values) const override {
    const std::string_view f = bare_name(invoke.f);
    CompiledOp op;
    op.output_known = ok != nullptr;
    if (f == "add") {
      op.f = kAdd;
      op.a = values.intern(invoke.value);
    } else if (f == "read") {
      if (!ok || ok->value.is_null()) return std::nullopt;  // unknown read
      if (!ok->value.is_array()) {
        throw ModelError("op " + std::to_string(ok->index) +
                         ": set read expects an array of members, got " + ok->value.dump());
      }
      op.f = kRead;
      for (const Json& x : ok->value) op.list.push_back(values.intern(x));
      std::sort(op.list.begin(), op.list.end());
      op.list.erase(std::unique(op.list.begin(), op.list.end()), op.list.end());
    } else {
      throw ModelError("op " + std::to_string(invoke.index) + ": set has no operation '" +
                       invoke.f + "' (expected add, read)");
    }
    return op;
  }

  std::unique_ptr<StateMachine> machine(const ValueInterner& values) const override {
    return std::make_unique<SetMachine>(values);
  }
};

}  // namespace

std::unique_ptr<Model> make_set_model() { return per_key(std::make_unique<SetModel>()); }

}  // namespace faultline::checker
