// Brute-force oracle for the linearizability and sequential-consistency checkers (tests only).
//
// It shares no code with the checker: it pairs the history itself, keeps plain reference
// specifications of the models over integer values (nondeterministic where the truth is, e.g. an
// unordered-queue dequeue with unknown output may remove any element), and decides a history by
// exhaustive depth-first enumeration of every order of the ops, without memoisation, so its
// answer is the definition, not an optimisation of it. Exponential: meant for <= ~10 ops.
//
// Jepsen semantics, stated once more because the oracle is the reference:
//  - `fail` ops never take effect; nemesis ops are ignored;
//  - `ok` ops take effect exactly once, between invocation and completion (linearizable) or in
//    their process order (sequential);
//  - `info` ops and invocations without completion take effect at most once, at any point after
//    their invocation (linearizable) / after their process predecessors (sequential), output
//    unknown.
// Values in histories fed to the oracle must be integers (set reads: arrays of integers);
// a null output of an ok `dequeue` means "saw the queue empty"; a null read constrains nothing.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/core/history.h"

namespace faultline::test {

enum class OracleConsistency { Linearizable, Sequential };

enum class OracleOutcome { Ok, Fail, Info };

// One client operation as the oracle sees it (its own pairing of the history).
struct OracleOp {
  int64_t process = 0;        // logical process: a process id reused after info counts as new
  std::string f;              // bare name ("read", not ":read")
  Json input;                 // invocation value
  Json output;                // completion value (ok ops); null otherwise
  OracleOutcome outcome = OracleOutcome::Info;
  size_t invoke_pos = 0;      // position of the invocation in history.ops()
  size_t complete_pos = SIZE_MAX;  // position of the completion, SIZE_MAX when none
  int64_t invoke_index = -1;  // Op::index of the invocation
};

// Pairs client ops by process; throws std::runtime_error on a malformed history.
std::vector<OracleOp> oracle_ops(const History& history);

// Reference specification state: a plain integer vector whose meaning depends on the model
// (counter: {sum}; set: sorted distinct members; fifo-queue: contents front first;
// unordered-queue: sorted contents; mutex: {0|1}).
using RefState = std::vector<int64_t>;

RefState reference_init(std::string_view model);
// Every state `op` may lead to from `s` (empty = illegal). For info ops this is the effect if it
// took effect; the search separately allows it not to.
std::vector<RefState> reference_step(std::string_view model, const RefState& s,
                                     const OracleOp& op);

// True iff the history is linearizable / sequentially consistent w.r.t. the model.
bool oracle_check(std::string_view model, const History& history, OracleConsistency c);

// Independent re-check of a claimed total order, given as positions in history.ops() of the
// invocations (the checker's witness format): every ok
// op appears exactly once, info ops at most once, no fail or unknown op appears, the order
// respects real-time (or process) order, and the reference spec accepts it step by step (for
// nondeterministic steps some choice must work). nullopt when fine, else what is wrong.
std::optional<std::string> oracle_replay(std::string_view model, const History& history,
                                         OracleConsistency c,
                                         const std::vector<int64_t>& invoke_positions);

// The same checks for a claimed linearizable / sequential PREFIX (e.g. the longest prefixes an
// `invalid` verdict reports): ok ops may be missing, everything else as above.
std::optional<std::string> oracle_replay_prefix(std::string_view model, const History& history,
                                                OracleConsistency c,
                                                const std::vector<int64_t>& invoke_positions);

}  // namespace faultline::test
