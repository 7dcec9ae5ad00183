// `multi-register` (Knossos): several registers updated by atomic transactions, so the history
// cannot be split by key. Ops: {f txn, value [[read k v] [write k v] ...]}; micro-op kinds may
// be keywords (":read"). As in Knossos, a read of null constrains nothing (the invocation
// carries null for reads it has not done yet), and read values come from the ok completion.
//
// Initial value: a register holds null until written — or, when the history reads it before any
// write, the value of that first read: Knossos' tests start the model from a given map (the
// corpus' multi-register.edn starts at {x 0, y 0}), so the checker asks whether SOME initial
// value per register makes the history linearizable. (A read of null never constrains, so
// "starts null" and "starts unknown" agree on every read of null.)
//
// State: the sorted (key id, value id) pairs of registers whose value is known (written, or
// learned by a read), interned in a StateTable. CompiledOp::list holds (kind, key, value)
// triples; CompiledOp::b is 1 when the txn writes.
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
    bool learns = false;
    if (op.b == 0) {
      // Read-only: check against s directly, no copy, unless a read learns an initial value.
      for (size_t i = 0; i < op.list.size(); i += 3) {
        const int64_t v = op.list[i + 2];
        if (v == ValueInterner::kNull) continue;
        const int64_t held = lookup(cur, n, op.list[i + 1]);
        if (held == kUnknown) {
          learns = true;
        } else if (held != v) {
          return false;
        }
      }
      if (!learns) {
        next = s;
        return true;
      }
    }
    scratch_.assign(cur, cur + n);
    for (size_t i = 0; i < op.list.size(); i += 3) {
      const int64_t k = op.list[i + 1], v = op.list[i + 2];
      if (op.list[i] == kMicroRead) {
        if (v == ValueInterner::kNull) continue;
        const int64_t held = lookup(scratch_.data(), scratch_.size(), k);
        if (held == kUnknown) {
          assign(k, v);  // the register's initial value
        } else if (held != v) {
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

  uint64_t memory_bytes() const override { return table_.bytes(); }

 private:
  static constexpr int64_t kUnknown = -1;  // never written nor read: initial value open

  static int64_t lookup(const int64_t* pairs, size_t n, int64_t key) {
    for (size_t i = 0; i + 1 < n; i += 2) {
      if (pairs[i] == key) return pairs[i + 1];
    }
    return kUnknown;
  }
  void assign(int64_t key, int64_t value) {
    size_t i = 0;
    while (i < scratch_.size() && scratch_[i] < key) i += 2;
    const bool present = i < scratch_.size() && scratch_[i] == key;
    if (present) {
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
