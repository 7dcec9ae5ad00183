// Model: a sequential specification that the linearizability / sequential-consistency checkers
// test a history against (Porcupine-style: init, step, canonical state, partition, describe).
//
// Two layers:
//  - `Model` is the stateless, thread-safe description of the data type: its name, how a history
//    splits into independent partitions (P-compositionality, e.g. per key), and how a completed
//    operation compiles into a compact integer `CompiledOp`. One Model is shared by every thread.
//  - `StateMachine` is what the search runs for ONE partition on ONE thread: init() and
//    step(state, op) -> next state or illegal. It may keep mutable caches/tables (e.g. a
//    `StateTable` interning compound states), so it is never shared between threads.
//
// States are `State` handles (int64). Contract: a machine's handles are CANONICAL — two equal
// model states always have the same handle — so the checker hashes and compares states by handle
// alone (memoisation of (linearized set, state)). Scalar models use the value id itself as the
// handle; compound models (sets, queues, strings) intern their contents in a StateTable.
//
// Values are interned once, before the search, by a `ValueInterner` (JSON value -> dense int64 id,
// null is always id 0), so the search never touches JSON.
//
// Jepsen semantics the checker applies before calling a model:
//  - ops of process `nemesis` are never compiled;
//  - `fail` ops are dropped (they definitely did not happen);
//  - `ok` ops: compile() gets the invocation and its ok completion (output known);
//  - `info` ops and invocations without completion: compile() gets `ok_completion == nullptr`;
//    the op may take effect at any point after its invocation, or never, and its output is
//    unknown (CompiledOp::output_known == false): step() applies its effect where that is legal
//    in the state, ignoring outputs, and returns false where it is not (e.g. a cas whose
//    expected value differs) — the search then places it elsewhere or leaves it out ("never").
//    compile() may return std::nullopt for such an op when it can neither change the state nor
//    constrain anything (e.g. a read with unknown result): the checker then leaves it out.
//
// Adding a model = one file defining a Model subclass + a factory, and one line in
// checker/src/model_registry.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "faultline/core/op.h"

namespace faultline::checker {

using State = int64_t;

// Thrown by compile() when an op does not fit the model (unknown f, malformed value). The
// message names the op index and what was expected, e.g. "op 12: cas-register expects ...".
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// JSON value <-> dense id. Ids are stable for the lifetime of the interner; null is id 0.
// Not thread-safe for intern(); read-only use (value()) from many threads is safe.
class ValueInterner {
 public:
  static constexpr int64_t kNull = 0;
  ValueInterner();
  int64_t intern(const Json& v);
  // Id of v if it was interned, else -1 (never interns).
  int64_t find(const Json& v) const;
  const Json& value(int64_t id) const { return values_.at(static_cast<size_t>(id)); }
  size_t size() const { return values_.size(); }

 private:
  std::vector<Json> values_;
  std::unordered_map<int64_t, int64_t> ints_;         // fast path for integer values
  std::unordered_map<std::string, int64_t> strings_;  // fast path for string values
  std::unordered_map<std::string, int64_t> others_;   // keyed by compact JSON dump
};

// One completed (or possibly-completed) client operation, compiled for the search.
// The meaning of f/a/b/list is private to the model that compiled it.
struct CompiledOp {
  int32_t f = 0;               // model-defined operation code
  bool output_known = true;    // false for info / pending ops: any output is acceptable
  int64_t a = 0;               // model-defined scalar arguments / outputs (usually value ids)
  int64_t b = 0;
  std::vector<int64_t> list;   // variable-length arguments / outputs (txn micro-ops, set reads)
  // Optional hint: true only if the op leaves EVERY state unchanged wherever it is legal (a
  // pure read). The searches then linearize it as soon as it is legal without trying other
  // orders first, which is exact for such ops. Leave false when unsure (e.g. a read that can
  // fix an unknown initial value changes the state).
  bool read_only = false;
};

// Interns variable-length int64 sequences into dense canonical handles 0, 1, 2, ...
// (helper for models with compound states). Not thread-safe; one per StateMachine.
class StateTable {
 public:
  State intern(const int64_t* words, size_t n);
  State intern(const std::vector<int64_t>& words) { return intern(words.data(), words.size()); }
  // Contents of a handle; valid until the next intern() call.
  const int64_t* data(State s) const { return words_.data() + offsets_[static_cast<size_t>(s)]; }
  size_t size(State s) const {
    const auto i = static_cast<size_t>(s);
    return static_cast<size_t>(offsets_[i + 1] - offsets_[i]);
  }
  std::vector<int64_t> get(State s) const { return {data(s), data(s) + size(s)}; }
  size_t count() const { return offsets_.size() - 1; }
  // Bytes held (capacity of every array), for the checker's memory budget.
  uint64_t bytes() const {
    return words_.capacity() * sizeof(int64_t) + offsets_.capacity() * sizeof(int64_t) +
           hashes_.capacity() * sizeof(uint64_t) + slots_.capacity() * sizeof(int64_t);
  }

 private:
  void grow();
  std::vector<int64_t> words_;
  std::vector<int64_t> offsets_{0};   // handle i occupies words_[offsets_[i], offsets_[i+1])
  std::vector<uint64_t> hashes_;      // per handle
  std::vector<int64_t> slots_;        // open addressing: handle + 1, 0 = empty
};

// Per-partition executable form of a model (see file comment). Used by one thread.
class StateMachine {
 public:
  virtual ~StateMachine() = default;
  virtual State init() = 0;
  // Applies op to s. Returns false if op is illegal in s (e.g. a read observing another
  // value); otherwise writes the canonical next state to `next` and returns true.
  // Hot path: must not allocate in steady state.
  virtual bool step(State s, const CompiledOp& op, State& next) = 0;
  // Human-readable form of a state for witnesses and reports (e.g. 3, null, [1,2]).
  virtual Json describe(State s) const = 0;

  // Optional pruning capability (exact, never a heuristic). The search calls prepare() once,
  // before init(), with every op of the partition this machine will run. A machine that returns
  // true promises an order <= on its states such that every op of the partition either never
  // lowers the state (s <= step(s, op), e.g. an append) or is a RESET (reset_target() true: from
  // any state where it is legal it leads to exactly `target`, e.g. a put), and that
  //   can_reach(s, read) == false  ONLY IF no state t >= s makes `read` legal
  // (`read` is an op of the partition with read_only and output_known set). The search then
  // abandons a configuration whose state cannot reach a read still to be linearized, unless a
  // reset not yet linearized could lead there. E.g. a kv key grows by appends (<= is "is a
  // prefix of"): a read of "ab" can no longer be satisfied from "ac" unless a put is left whose
  // value is a prefix of "ab". Default: no pruning.
  virtual bool prepare(const std::vector<CompiledOp>& ops) { (void)ops; return false; }
  virtual bool can_reach(State s, const CompiledOp& read) { (void)s; (void)read; return true; }
  virtual bool reset_target(const CompiledOp& op, State& target) {
    (void)op; (void)target;
    return false;
  }
  // Bytes held by the machine's state tables and caches; the checker charges them to its memory
  // budget (polled, so it need not be exact to the byte, only grow with what the machine holds).
  virtual uint64_t memory_bytes() const { return 0; }
};

class Model {
 public:
  virtual ~Model() = default;
  // Registry name, e.g. "cas-register".
  virtual std::string_view name() const = 0;
  // Partition of a client op, from its invocation (P-compositionality): ops of different
  // partitions are checked independently. Null = the single, whole-history partition.
  virtual Json partition(const Op& invoke) const { (void)invoke; return nullptr; }
  // Compiles one op (see file comment for ok_completion / nullopt). Throws ModelError.
  virtual std::optional<CompiledOp> compile(const Op& invoke, const Op* ok_completion,
                                            ValueInterner& values) const = 0;
  // A fresh machine for one partition; `values` outlives it and is not modified meanwhile.
  virtual std::unique_ptr<StateMachine> machine(const ValueInterner& values) const = 0;
};

// Per-key wrapper (P-compositionality): partitions a single-key model's ops by the op's `key`
// field (ops without a key form one partition); compile/machine delegate to `inner`.
std::unique_ptr<Model> per_key(std::unique_ptr<Model> inner);

// f without a leading ':' (EDN keywords may keep it), for comparisons like f == "read".
std::string_view bare_name(std::string_view f);
// Same for a JSON value that may be a keyword-ish string; "" when not a string.
std::string_view bare_json_name(const Json& v);

}  // namespace faultline::checker
