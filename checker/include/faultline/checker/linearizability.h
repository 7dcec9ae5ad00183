// Linearizability and sequential-consistency checking of a History against a Model.
//
// check_consistency(history, model, options):
//  1. compiles the history into compact integer ops per partition (Model::partition, e.g. per
//     key), skipping nemesis ops and `fail` ops (they did not happen); `info` ops and
//     invocations without completion may take effect at any point after their invocation, or
//     never (their return is at +infinity and their output unknown);
//  2. searches each partition independently (P-compositionality), interleaved in time slices
//     on `options.threads` threads, so an invalid partition ends the check early however hard
//     the others are (Porcupine's behaviour):
//       linearizable — Wing & Gong's search with Lowe's memoisation of (linearized set, state)
//                      over a doubly linked list of call/return entries (as in Porcupine);
//       sequential   — the same memoised search, constrained only by each logical process's
//                      program order (History::logical_process), not by real time;
//     both prune configurations that can no longer satisfy a read still to be linearized, when
//     the model offers it (StateMachine::can_reach, e.g. kv keys that are only appended to);
//  3. combines the partitions: invalid if any is invalid, else unknown if any ran out of budget,
//     else valid. By default the first invalid partition cancels the others (the verdict comes
//     fast); `all_partitions` searches every partition (within the budget) to report each
//     invalid one.
//
// Witness (CheckResult::witness), ops named by their position in History::ops():
//   valid:   {"partitions": [{"key", "order": [invocation positions, in linearization order],
//                             "omitted": [info / pending ops left out = never took effect]}]}
//   invalid: {"partition": key, "op": position of the op that cannot be placed,
//             "prefixes": [{"order": [...], "state": describe(state after it)}]}  — the longest
//             linearizable prefixes found (different final states), "max_linearized": length,
//             "invalid_partitions": [keys of every partition found invalid].
//   unknown: the first unfinished partition's "partition", "max_linearized", "prefixes" as above,
//            and "partitions": [{"key", "verdict", "ops", "max_linearized", "order"}] for every
//            partition — how far each got ("order": its longest linearizable prefix, for the
//            unfinished ones; a partition never started has max_linearized 0).
// Budgets: `time_limit_s` (from the call, compile included) and `memory_limit_bytes` (memo
// tables and the machines' state tables, over all partitions) end the search with
// Verdict::Unknown, a reason, and stats.progress — never an OOM. Both are polled every 256
// search steps (the memo refuses to grow past the memory limit); a memo table doubling just
// before the deadline can still overshoot it by its rehash time (bench/RESULTS.md).
// Throws HistoryError (bad pairing) and ModelError (op not understood by the model).
#pragma once
#include <cstdint>

#include "faultline/checker/model.h"
#include "faultline/checker/result.h"
#include "faultline/core/history.h"

namespace faultline::checker {

enum class Consistency { Linearizable, Sequential };

std::string_view to_string(Consistency c);

struct ConsistencyOptions {
  Consistency consistency = Consistency::Linearizable;
  double time_limit_s = 0;                          // <= 0: no limit
  uint64_t memory_limit_bytes = 1ull << 30;        // memo + model state tables, all partitions
  unsigned threads = 0;                             // 0: std::thread::hardware_concurrency()
  bool all_partitions = false;                      // report every invalid partition (slower)
  bool prune = true;   // model pruning (StateMachine::can_reach); off = the previous search,
                       // kept for cross-checking: verdicts are the same either way
};

// `history` need not be paired: an unpaired history is paired on a copy.
CheckResult check_consistency(const History& history, const Model& model,
                              const ConsistencyOptions& options = {});

inline CheckResult check_linearizable(const History& h, const Model& m,
                                      ConsistencyOptions o = {}) {
  o.consistency = Consistency::Linearizable;
  return check_consistency(h, m, o);
}
inline CheckResult check_sequential(const History& h, const Model& m, ConsistencyOptions o = {}) {
  o.consistency = Consistency::Sequential;
  return check_consistency(h, m, o);
}

}  // namespace faultline::checker
