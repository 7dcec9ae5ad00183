// Checks for eventually consistent / CRDT workloads (grow-only sets and counters), run on the
// final reads a test takes after healing every fault and waiting for replicas to converge.
//
// Final reads: ok ops whose f is options.final_read_f; if the history has none, the last ok
// op with f == options.read_f per replica. A replica is Op::node when present, else the
// process. Adds: ops with f == options.add_f; the element (sets) or delta (counters, default 1
// when the value is null) is the invocation's value. An ok add was acknowledged; an info or
// unfinished add may or may not have happened; a failed add did not.
//
//   check_convergence      all final reads are equal (set reads compared as sets) —
//                          anomaly "divergent-final-reads";
//   check_set_adds         every acknowledged add is in every final read ("lost-add"), and
//                          no final read holds an element nobody tried to add or whose add
//                          failed ("unexpected-element");
//   check_counter_bounds   every final read lies in [sum of acknowledged deltas + negative
//                          indeterminate deltas, sum of acknowledged + positive indeterminate
//                          deltas] ("counter-out-of-bounds").
// Each returns invalid with anomalies naming the ops, valid otherwise, or unknown (with reason)
// when the history holds no final read.
#pragma once
#include <string>

#include "faultline/checker/result.h"
#include "faultline/core/history.h"

namespace faultline::checker::crdt {

struct CrdtOptions {
  std::string final_read_f = "final-read";
  std::string read_f = "read";
  std::string add_f = "add";
  size_t max_reported = 32;
};

CheckResult check_convergence(const History& history, const CrdtOptions& options = {});
CheckResult check_set_adds(const History& history, const CrdtOptions& options = {});
CheckResult check_counter_bounds(const History& history, const CrdtOptions& options = {});

}  // namespace faultline::checker::crdt
