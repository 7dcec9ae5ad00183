// Internal: runs the searches of all partitions of one check, interleaved in time slices on a
// small pool of threads (linearizability_run.cpp).
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "faultline/checker/linearizability.h"
#include "linearizability_search.h"

namespace faultline::checker::detail {

struct PartitionResult {
  std::unique_ptr<StateMachine> machine;   // the final search's machine (describes its states);
                                           // null if the partition never started
  SearchOutcome outcome;
};

struct RunConfig {
  Consistency consistency = Consistency::Linearizable;
  bool stop_at_first_invalid = true;   // cancel the other partitions once one is invalid
  unsigned threads = 1;
  SearchTuning tuning;
  std::function<std::unique_ptr<StateMachine>()> new_machine;
};

// Searches every partition; results are indexed like `parts`. Each partition runs in slices of
// a growing number of steps, round robin (largest partitions first), so every partition makes
// progress and an invalid one ends the check early whatever the others cost. Partitions left
// when the budget runs out (or the check is cancelled) end `unknown` with how far they got.
// For Consistency::Sequential a partition that is not found linearizable is searched again
// without real-time order (a linearization is also a sequentially consistent order).
std::vector<PartitionResult> search_partitions(const std::vector<const CompiledPartition*>& parts,
                                               SearchBudget& budget, const RunConfig& config);

}  // namespace faultline::checker::detail
