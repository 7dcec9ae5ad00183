// `kv`: a key-value store checked one key at a time (the per-key wrapper splits ops by their
// `key` field, P-compositionality). Per key:
//   {f get,    value v}          the value read (on the ok completion); unknown gets are dropped
//   {f put,    value v}          sets the value
//   {f append, value "s"}        appends the string s to the (string) value
//   {f cas,    value [from to]}  sets to `to` if the value is `from`
// A key starts absent; absent reads as null or "" (Porcupine's kv starts every key at ""), and
// appending to it appends to "".
//
// States are hash-consed: a string built by appends is a node (parent state, appended value)
// carrying its length and a polynomial hash of its content (mod 2^61-1, composable:
// H(a+b) = H(a)*B^|b| + H(b)), so an append costs O(1) and never copies the string. Equal
// contents get one handle (canonical): a node whose (hash, length) matches an existing one is
// compared by content (materialised, rare) before it is merged. Steps are cached per
// (state, value), so a warm search only does hash-table look-ups.
//
// Pruning (StateMachine::can_reach): appends only grow the value, so a state that is not a prefix
// of a get's value can never satisfy that get unless a put (or cas) is left to reset the value.
// The prefix test compares hashes: a mismatch proves "not a prefix" (equal strings hash
// equally), a match answers "maybe", so the answer is exact in the direction the contract
// requires.
#include <deque>
#include <string>
#include <unordered_map>

#include "faultline/checker/model.h"
#include "faultline/core/assert.h"

namespace faultline::checker {
namespace {

enum KvOp : int32_t { kGet = 0, kPut = 1, kAppend = 2, kCas = 3 };

constexpr uint64_t kMod = (1ull << 61) - 1;
constexpr uint64_t kBase = 1000003;

uint64_t mulmod(uint64_t a, uint64_t b) {
  const __uint128_t p = static_cast<__uint128_t>(a) * b;
  const uint64_t lo = static_cast<uint64_t>(p & kMod), hi = static_cast<uint64_t>(p >> 61);
  uint64_t r = lo + hi;
  if (r >= kMod) r -= kMod;
  return r;
}
uint64_t addmod(uint64_t a, uint64_t b) {
  const uint64_t r = a + b;
  return r >= kMod ? r - kMod : r;
}

struct Node {
  State parent = -1;      // append node: the state appended to; -1 for a leaf
  State chain = -1;       // previous handle with the same index key (hash collisions)
  int64_t value = -1;     // global value id: the leaf's value, or the appended string
  uint64_t len = 0;       // string length (string states)
  uint64_t hash = 0;      // content hash (strings) or hash of the JSON dump (others)
  bool is_string = true;
};

// Per-value facts, computed once per value id on first use.
struct ValueInfo {
  bool known = false;
  bool is_string = false;
  uint64_t len = 0, hash = 0, pow = 1;   // pow = B^len
  std::vector<uint64_t> prefix;           // prefix hashes (get values, when pruning)
};

class KvMachine final : public StateMachine {
 public:
  explicit KvMachine(const ValueInterner& values)
      : values_(values), local_of_global_(values.size(), -1), info_(values.size()) {
    nodes_.push_back(Node{});  // handle 0: the empty string (and absent / null)
    index_.emplace(key_of(nodes_[0]), 0);
  }

  // Pruning order: s <= t iff s == t, or both are strings and s is a prefix of t. Appends (and
  // gets) never lower the state; puts and cas are resets (a cas only where it is legal).
  bool prepare(const std::vector<CompiledOp>& ops) override {
    (void)ops;
    return true;
  }

  bool reset_target(const CompiledOp& op, State& target) override {
    if (op.f == kPut) target = local(op.a);
    else if (op.f == kCas) target = local(op.b);
    else return false;
    return true;
  }

  bool can_reach(State s, const CompiledOp& read) override {
    if (!read.output_known) return true;
    const State want = local(read.a);
    if (want == s) return true;
    const Node& n = nodes_[static_cast<size_t>(s)];
    const ValueInfo& v = info(read.a);
    if (!n.is_string || !v.is_string || n.len >= v.len) return false;
    // s is a prefix of the wanted string iff their hashes agree at s's length (a match is
    // only "maybe", which is the safe direction).
    if (v.prefix.empty()) build_prefix(read.a);
    return v.prefix[n.len] == n.hash;
  }

  State init() override { return 0; }

  bool step(State s, const CompiledOp& op, State& next) override {
    switch (op.f) {
      case kGet:
        next = s;
        return !op.output_known || local(op.a) == s;
      case kPut:
        next = local(op.a);
        return true;
      case kAppend:
        next = append(s, op.a);
        return next >= 0;
      case kCas:
        if (local(op.a) != s) return false;
        next = local(op.b);
        return true;
      default:
        return false;
    }
  }

  Json describe(State s) const override {
    const Node& n = nodes_[static_cast<size_t>(s)];
    if (!n.is_string) return values_.value(n.value);
    return Json(materialise(s));
  }

  uint64_t memory_bytes() const override {
    uint64_t b = nodes_.size() * sizeof(Node) +
                 local_of_global_.capacity() * sizeof(State) +
                 info_.capacity() * sizeof(ValueInfo) + prefix_bytes_;
    b += (index_.size() + appended_.size()) * 48 +
         (index_.bucket_count() + appended_.bucket_count()) * sizeof(void*);
    return b;
  }

 private:
  static uint64_t key_of(const Node& n) {
    return n.hash * 0x9E3779B97F4A7C15ull ^ (n.len << 1) ^ (n.is_string ? 1 : 0);
  }

  const ValueInfo& info(int64_t id) {
    ValueInfo& v = info_[static_cast<size_t>(id)];
    if (v.known) return v;
    v.known = true;
    const Json& j = values_.value(id);
    if (j.is_string()) {
      const auto& str = j.get_ref<const std::string&>();
      v.is_string = true;
      v.len = str.size();
      for (unsigned char c : str) {
        v.hash = addmod(mulmod(v.hash, kBase), c + 1);
        v.pow = mulmod(v.pow, kBase);
      }
    } else {
      v.hash = std::hash<std::string>{}(j.dump()) % kMod;
    }
    return v;
  }

  void build_prefix(int64_t id) {
    ValueInfo& v = info_[static_cast<size_t>(id)];
    const auto& str = values_.value(id).get_ref<const std::string&>();
    v.prefix.resize(str.size() + 1);
    uint64_t h = 0;
    v.prefix[0] = 0;
    for (size_t i = 0; i < str.size(); ++i) {
      h = addmod(mulmod(h, kBase), static_cast<unsigned char>(str[i]) + 1);
      v.prefix[i + 1] = h;
    }
    prefix_bytes_ += v.prefix.capacity() * sizeof(uint64_t);
  }

  // Full content of a string node (leaf value, or parent content + appended value).
  std::string materialise(const Node& node) const {
    std::vector<int64_t> parts;
    if (node.value >= 0) parts.push_back(node.value);
    for (State cur = node.parent; cur >= 0;) {
      const Node& n = nodes_[static_cast<size_t>(cur)];
      if (n.value >= 0) parts.push_back(n.value);
      cur = n.parent;
    }
    std::string out;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      out += values_.value(*it).get_ref<const std::string&>();
    }
    return out;
  }
  std::string materialise(State s) const { return materialise(nodes_[static_cast<size_t>(s)]); }

  bool same_content(const Node& a, State b) const {
    const Node& nb = nodes_[static_cast<size_t>(b)];
    if (a.is_string != nb.is_string || a.len != nb.len || a.hash != nb.hash) return false;
    if (!a.is_string) return values_.value(a.value).dump() == values_.value(nb.value).dump();
    return materialise(a) == materialise(nb);
  }

  // Canonical handle of a node's content: an existing equal state, else the node added.
  State intern(const Node& n) {
    const uint64_t k = key_of(n);
    auto it = index_.find(k);
    if (it != index_.end()) {
      for (State h = it->second; h >= 0; h = nodes_[static_cast<size_t>(h)].chain) {
        if (same_content(n, h)) return h;
      }
    }
    const auto h = static_cast<State>(nodes_.size());
    nodes_.push_back(n);
    nodes_.back().chain = it != index_.end() ? it->second : -1;
    index_[k] = h;
    return h;
  }

  State append(State s, int64_t value) {
    FL_ASSERT(s >= 0 && s < (int64_t{1} << 32) && value >= 0 && value < (int64_t{1} << 32));
    const uint64_t key = (static_cast<uint64_t>(s) << 32) | static_cast<uint64_t>(value);
    auto it = appended_.find(key);
    if (it != appended_.end()) return it->second;
    State r = -1;
    const Node& cur = nodes_[static_cast<size_t>(s)];
    const ValueInfo& v = info(value);
    if (cur.is_string && v.is_string) {
      if (v.len == 0) {
        r = s;
      } else {
        Node n;
        n.parent = s;
        n.value = value;
        n.len = cur.len + v.len;
        n.hash = addmod(mulmod(cur.hash, v.pow), v.hash);
        r = intern(n);
      }
    }
    appended_.emplace(key, r);
    return r;
  }

  // Local handle of a global value id (null is the same as "").
  State local(int64_t global) {
    State& h = local_of_global_[static_cast<size_t>(global)];
    if (h >= 0) return h;
    const Json& j = values_.value(global);
    const ValueInfo& v = info(global);
    if (j.is_null() || (v.is_string && v.len == 0)) {
      h = 0;
    } else {
      Node n;
      n.value = global;
      n.is_string = v.is_string;
      n.len = v.len;
      n.hash = v.hash;
      h = intern(n);
    }
    return h;
  }

  const ValueInterner& values_;
  std::vector<State> local_of_global_;
  std::vector<ValueInfo> info_;
  std::deque<Node> nodes_;   // a deque grows in small blocks: the memory budget sees it grow
  std::unordered_map<uint64_t, State> index_;     // (hash, length) key -> newest handle
  std::unordered_map<uint64_t, State> appended_;  // (state, value id) -> handle or -1
  uint64_t prefix_bytes_ = 0;
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
      op.read_only = true;
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
