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
//   anomalies [{type, explanation, txns: [op index...], steps?: [{from, to, type, key?,
//             explanation}], svg?}] for every anomaly found (at most max_reported_per_type per
//             type), whether or not `consistency` proscribes it.
//   witness   {anomaly_types, anomaly_counts, not (weakest violated models), also_not (the
//             other violated models), possible, strongest_possible}
//   stats     {txns, edges, time_ms}
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
