// `kv`: a key-value store checked one key at a time (the per-key wrapper splits ops by their
// `key` field, P-compositionality). Per key:
//   {f get,    value v}          the value read (on the ok completion); unknown gets are dropped
//   {f put,    value v}          sets the value
//   {f append, value "s"}        appends the string s to the (string) value
//   {f cas,    value [from to]}  sets to `to` if the value is `from`
// A key starts absent; absent reads as null or "" (Porcupine's kv starts every key at ""), and
// appending to it appends to "".
//
// State handles index a machine-local table of values, so concatenations made during the search
// get canonical handles too; steps are cached per (state, op value), so the hot loop only looks
// up hash tables once warm.
#include <string>
#include <unordered_map>

#include "faultline/checker/model.h"
#include "faultline/core/assert.h"

namespace faultline::checker {
namespace {

enum KvOp : int32_t { kGet = 0, kPut = 1, kAppend = 2, kCas = 3 };

// Table key: a type tag ('s' string content, 'j' JSON dump of anything else) + the text.
std::string tagged(char tag, const std::string& text) {
  std::string k;
  k.reserve(text.size() + 1);
  k.push_back(tag);
  k.append(text);
  return k;
}

class KvMachine final : public StateMachine {
 public:
  explicit KvMachine(const ValueInterner& values)
      : values_(values), local_of_global_(values.size(), -1) {
    empty_ = intern_local(tagged('s', ""), Json(""));
  }

  State init() override { return empty_; }

  bool step(State s, const CompiledOp& op, State& next) override {
    switch (op.f) {
      case kGet:
        next = s;
        return !op.output_known || local(op.a) == s;
      case kPut:
        next = local(op.a);
        return true;
      case kAppend: {
        FL_ASSERT(s >= 0 && s < (int64_t{1} << 32) && op.a >= 0 && op.a < (int64_t{1} << 32));
        const uint64_t key = (static_cast<uint64_t>(s) << 32) | static_cast<uint64_t>(op.a);
        auto it = appended_.find(key);
        if (it != appended_.end()) {
          next = it->second;
          return next >= 0;
        }
        State r = -1;
        const Json& cur = table_[static_cast<size_t>(s)];
        if (cur.is_string()) {
          std::string joined = cur.get<std::string>() + values_.value(op.a).get<std::string>();
          std::string key = tagged('s', joined);
          r = intern_local(std::move(key), Json(std::move(joined)));
        }
        appended_.emplace(key, r);
        next = r;
        return r >= 0;
      }
      case kCas:
        if (local(op.a) != s) return false;
        next = local(op.b);
        return true;
      default:
        return false;
    }
  }

  Json describe(State s) const override { return table_[static_cast<size_t>(s)]; }

 private:
  // Local handle of a global value id (null is the same as "").
  State local(int64_t global) {
    State& h = local_of_global_[static_cast<size_t>(global)];
    if (h < 0) {
      const Json& v = values_.value(global);
      if (v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty())) {
        h = empty_;
      } else if (v.is_string()) {
        h = intern_local(tagged('s', v.get_ref<const std::string&>()), v);
      } else {
        h = intern_local(tagged('j', v.dump()), v);
      }
    }
    return h;
  }
  State intern_local(std::string key, Json v) {
    auto [it, fresh] = index_.try_emplace(std::move(key), static_cast<State>(table_.size()));
    if (fresh) table_.push_back(std::move(v));
    return it->second;
  }

  const ValueInterner& values_;
  std::vector<State> local_of_global_;
  std::vector<Json> table_;
  std::unordered_map<std::string, State> index_;   // "s"+string or "j"+json dump -> handle
  std::unordered_map<uint64_t, State> appended_;   // (state, value id) -> handle or -1
  State empty_ = 0;
};

class KvModel final : public Model {
 public:
  std::string_view name() const override { return "kv"; }

  std::optional<CompiledOp> compile(const Op& invoke, const Op* ok,
                                    ValueInterner& values) const override {
    const std::string_view f = bare_name(invoke.f);
    CompiledOp op;
    op.output_known = ok != nullptr;
    auto fail = [&](const std::string& what) {
      return ModelError("op " + std::to_string(invoke.index) + ": kv " + what);
    };
    if (f == "get" || f == "read") {
      if (!ok) return std::nullopt;
      op.f = kGet;
      op.a = values.intern(ok->value);
    } else if (f == "put" || f == "write") {
      op.f = kPut;
      op.a = values.intern(invoke.value);
    } else if (f == "append") {
      if (!invoke.value.is_string()) throw fail("append expects a string value, got " + invoke.value.dump());
      op.f = kAppend;
      op.a = values.intern(invoke.value);
    } else if (f == "cas") {
      const Json& v = invoke.value;
      if (!v.is_array() || v.size() != 2) throw fail("cas expects value [from to], got " + v.dump());
      op.f = kCas;
      op.a = values.intern(v[0]);
      op.b = values.intern(v[1]);
    } else {
      throw fail("has no operation '" + invoke.f + "' (expected get, put, append, cas)");
    }
    return op;
  }

  std::unique_ptr<StateMachine> machine(const ValueInterner& values) const override {
    return std::make_unique<KvMachine>(values);
  }
};

}  // namespace

std::unique_ptr<Model> make_kv_model() { return per_key(std::make_unique<KvModel>()); }

}  // namespace faultline::checker
