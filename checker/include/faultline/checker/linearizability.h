// Linearizability and sequential-consistency checking of a History against a Model.
//
// check_consistency(history, model, options):
//  1. compiles the history into compact integer ops per partition (Model::partition, e.g. per
//     key), skipping nemesis ops and `fail` ops (they did not happen); `info` ops and
//     invocations without completion may take effect at any point after their invocation, or
//     never (their return is at +infinity and their output unknown);
//  2. searches each partition independently (P-compositionality), in parallel on
//     `options.threads` threads:
//       linearizable — Wing & Gong's search with Lowe's memoisation of (linearized set, state)
//                      over a doubly linked list of call/return entries (as in Porcupine);
//       sequential   — the same memoised search, constrained only by each logical process's
//                      program order (History::logical_process), not by real time;
//  3. combines the partitions: invalid if any is invalid, else unknown if any ran out of budget,
//     else valid.
//
// Witness (CheckResult::witness), ops named by their position in History::ops():
//   valid:   {"partitions": [{"key", "order": [invocation positions, in linearization order],
//                             "omitted": [info / pending ops left out = never took effect]}]}
//   invalid: {"partition": key, "op": position of the op that cannot be placed,
//             "prefixes": [{"order": [...], "state": describe(state after it)}]}  — the longest
//             linearizable prefixes found (different final states), "max_linearized": length.
// Budgets: `time_limit_s` and `memory_limit_bytes` (memo tables; counted over all partitions)
// end the search with Verdict::Unknown, a reason, and stats.progress — never an OOM.
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
  uint64_t memory_limit_bytes = 1ull << 30;        // memo tables over all partitions
  unsigned threads = 0;                             // 0: std::thread::hardware_concurrency()
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
