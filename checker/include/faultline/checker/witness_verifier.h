// Independent verifier of `valid` witnesses produced by check_consistency (linearizability.h).
//
// It shares no code with the search: it re-derives from the history which ops must appear
// (every ok client op), which may (info / pending ops; the model may also leave out ops whose
// outcome is unknown and that constrain nothing) and which must not (fail and nemesis ops), then
// checks that the witness orders are permutations of exactly those ops, respect real-time order
// (linearizable: no op is placed before an op that returned before it was invoked) or each
// logical process's program order (sequential), and replay legally through fresh model machines.
// A partition key appears at most once. A sequential witness is one order (sequential consistency
// is not compositional): over all partitions, key null, each op replayed on the machine of its own
// partition, or the single partition of a one-partition history.
#pragma once
#include <string>

#include "faultline/checker/linearizability.h"
#include "faultline/checker/model.h"
#include "faultline/core/history.h"

namespace faultline::checker {

struct WitnessVerdict {
  bool ok = false;
  std::string error;   // first problem found, naming the op position; empty when ok
};

// `witness` is CheckResult::witness of a Valid result.
WitnessVerdict verify_witness(const History& history, const Model& model, const Json& witness,
                              Consistency consistency);

}  // namespace faultline::checker
