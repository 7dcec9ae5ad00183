// `multi-register` (Knossos): several registers updated by atomic transactions, so the history
// cannot be split by key. Ops: {f txn, value [[read k v] [write k v] ...]}; micro-op kinds may
// be keywords (":read"). Every register starts null. As in Knossos, a read of null constrains
// nothing (the invocation carries null for reads it has not done yet), and the read values come
// from the ok completion when there is one.
//
// State: the sorted (key id, value id) pairs of registers that hold a non-null value, interned
// in a StateTable. CompiledOp::list holds (kind, key id, value id) triples.
#include <algorithm>
#include <string>

#include "faultline/checker/model.h"

namespace faultline::checker {
namespace {

constexpr int32_t kTxn = 0;
constexpr int64_t kMicroRead = 0;
constexpr int64_t kMicroWrite = 1;

class MultiRegisterMachine final : public StateMachine {
 public:
  explicit MultiRegisterMachine(const ValueInterner& values) : values_(values) {
    empty_ = table_.intern(nullptr, 0);
  }
  State init() override { return empty_; }

  bool step(State s, const CompiledOp& op, State& next) override {
    const int64_t* cur = table_.data(s);
    const size_t n = table_.size(s);
    if (op.b == 0) {
      // Read-only: check against s directly, no copy.
      for (size_t i = 0; i < op.list.size(); i += 3) {
        const int64_t v = op.list[i + 2];
        if (v == ValueInterner::kNull) continue;
        if (lookup(cur, n, op.list[i + 1]) != v) return false;
      }
      next = s;
      return true;
    }
    scratch_.assign(cur, cur + n);
    for (size_t i = 0; i < op.list.size(); i += 3) {
      const int64_t k = op.list[i + 1], v = op.list[i + 2];
      if (op.list[i] == kMicroRead) {
        if (v != ValueInterner::kNull && lookup(scratch_.data(), scratch_.size(), k) != v) {
          return false;
        }
      } else {
        assign(k, v);
      }
    }
    next = table_.intern(scratch_);
    return true;
  }

  Json describe(State s) const override {
    Json out = Json::object();
    const int64_t* cur = table_.data(s);
    for (size_t i = 0; i + 1 < table_.size(s); i += 2) {
      const Json& k = values_.value(cur[i]);
      out[k.is_string() ? k.get<std::string>() : k.dump()] = values_.value(cur[i + 1]);
    }
    return out;
  }

 private:
  static int64_t lookup(const int64_t* pairs, size_t n, int64_t key) {
    for (size_t i = 0; i + 1 < n; i += 2) {
      if (pairs[i] == key) return pairs[i + 1];
    }
    return ValueInterner::kNull;
  }
  void assign(int64_t key, int64_t value) {
    size_t i = 0;
    while (i < scratch_.size() && scratch_[i] < key) i += 2;
    const bool present = i < scratch_.size() && scratch_[i] == key;
    if (value == ValueInterner::kNull) {
      if (present) scratch_.erase(scratch_.begin() + static_cast<std::ptrdiff_t>(i),
                                  scratch_.begin() + static_cast<std::ptrdiff_t>(i + 2));
    } else if (present) {
      scratch_[i + 1] = value;
    } else {
      scratch_.insert(scratch_.begin() + static_cast<std::ptrdiff_t>(i), {key, value});
    }
  }

  const ValueInterner& values_;
  StateTable table_;
  std::vector<int64_t> scratch_;
  State empty_ = 0;
};

class MultiRegisterModel final : public Model {
 public:
  std::string_view name() const override { return "multi-register"; }

  std::optional<CompiledOp> compile(const Op& invoke, const Op* ok,
                                    ValueInterner& values) const override {
    auto fail = [&](const std::string& what) {
      return ModelError("op " + std::to_string(invoke.index) + ": multi-register " + what);
    };
    if (bare_name(invoke.f) != "txn") {
      throw fail("has no operation '" + invoke.f + "' (expected txn)");
    }
    const Json& v = ok && ok->value.is_array() ? ok->value : invoke.value;
    if (!v.is_array()) throw fail("txn expects a list of [read|write key value], got " + v.dump());
    CompiledOp op;
    op.f = kTxn;
    op.output_known = ok != nullptr;
    bool writes = false;
    for (const Json& m : v) {
      if (!m.is_array() || m.size() != 3) {
        throw fail("txn micro-op must be [read|write key value], got " + m.dump());
      }
      const std::string_view kind = bare_json_name(m[0]);
      int64_t k = 0;
      if (kind == "read" || kind == "r") {
        k = kMicroRead;
      } else if (kind == "write" || kind == "w") {
        k = kMicroWrite;
        writes = true;
      } else {
        throw fail("txn micro-op kind must be read or write, got " + m[0].dump());
      }
      op.list.push_back(k);
      op.list.push_back(values.intern(m[1]));
      // Reads of an op whose outcome is unknown observed nothing.
      op.list.push_back(k == kMicroRead && !ok ? ValueInterner::kNull : values.intern(m[2]));
    }
    if (!ok && !writes) return std::nullopt;  // unknown read-only txn: constrains nothing
    op.b = writes ? 1 : 0;                     // b: whether the txn writes
    return op;
  }

  std::unique_ptr<StateMachine> machine(const ValueInterner& values) const override {
    return std::make_unique<MultiRegisterMachine>(values);
  }
};

}  // namespace

std::unique_ptr<Model> make_multi_register_model() {
  return std::make_unique<MultiRegisterModel>();
}

}  // namespace faultline::checker
