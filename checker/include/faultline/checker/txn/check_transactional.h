// Elle-class transactional isolation checker (list-append and rw-register histories).
//
//   CheckResult r = check_transactional(history, {.model = TxnModel::ListAppend,
//                                                 .consistency = "serializable"});
//
// What it does: compiles the history (see txn_history.h), infers ww/wr/rw dependencies (see
// list_append / rw_register notes in checker/src/txn), adds process and real-time edges, finds
// cycles (Tarjan SCC + shortest cycle per anomaly class) and the non-cycle anomalies, and maps
// them onto the model hierarchy (consistency_models.h).
//
// Result:
//   verdict   invalid if any anomaly found is proscribed by options.consistency; unknown if
//             none is but the cycle-search budget ran out or the input breaks the checker's
//             assumptions (non-unique written values), with `reason`; else valid.
//   anomalies [{type, explanation, ops: [op index of each txn...], steps?: [{from, to, type, key?,
//             explanation}], svg?}] for every anomaly found (at most max_reported_per_type per
//             type), whether or not `consistency` proscribes it.
//   witness   {anomaly_types, anomaly_counts, not (weakest violated models), also_not (the
//             other violated models), possible, strongest_possible, serial_order?}; when the
//             dependency graph (with process and real-time edges) is acyclic, serial_order
//             lists the committed/indeterminate txns (op index of the invocation) in an order
//             consistent with every inferred edge.
//   stats     {ops (= txns: client operations, as the other checkers count them), txns,
//             micro_ops, edges, consistency, compile_ms, inference_ms, cycle_search_ms, time_ms}
// Thread-safety: pure function of its inputs (SVG rendering is serialized internally).
#pragma once
#include <cstdint>
#include <string>

#include "faultline/checker/result.h"
#include "faultline/checker/txn/txn_history.h"
#include "faultline/core/history.h"

namespace faultline::checker::txn {

struct TxnCheckOptions {
  TxnModel model = TxnModel::ListAppend;
  std::string consistency = "serializable";   // one of transactional_model_names()
  bool process_edges = true;                  // needed for the strong-session verdicts
  bool realtime_edges = true;                 // needed for the strict verdicts
  // rw-register only: assume each key is sequentially consistent by itself (Elle's
  // :sequential-keys), so process order also orders the versions a process observes.
  bool sequential_keys = false;
  // rw-register only: assume each key is linearizable by itself (Elle's :linearizable-keys),
  // so real-time order also orders the versions txns observe.
  bool linearizable_keys = false;
  int64_t cycle_search_budget = 200'000'000;  // edge relaxations in cycle searches
  size_t max_reported_per_type = 16;
  bool render_svg = true;
};

// Throws std::invalid_argument for an unknown consistency name, HistoryError for ops that are
// not transactions.
CheckResult check_transactional(const History& history, const TxnCheckOptions& options);

// Parses "list-append" / "rw-register"; throws std::invalid_argument otherwise.
TxnModel txn_model_from_string(const std::string& name);

}  // namespace faultline::checker::txn
