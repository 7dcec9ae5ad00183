// Schedule: several faults composed over a run (Jepsen's nemesis generator), as a pure function.
//
// Timeline for interval I and time limit T: quiet for I, start a fault, hold it I, stop it,
// quiet I, start the next, ... A start is only scheduled when its stop fits before T, so every
// start has a matching stop. Order is fixed (round robin over `faults`) or random (uniform,
// seeded). Random targets (one / minority / majority) are resolved here to explicit node lists
// and every start carries its own seed (params.seed), so replaying a stored schedule repeats the
// same faults on the same nodes. "primaries" stays symbolic: leaders are only known at run time.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultline/nemesis/fault.h"

namespace faultline::nemesis {

struct ScheduleSpec {
  std::vector<FaultSpec> faults;
  int64_t interval_ms = 10'000;
  enum class Order { Fixed, Random } order = Order::Random;
  int64_t time_limit_ms = 60'000;
  uint64_t seed = 0;
};

struct ScheduledOp {
  int64_t at_ms = 0;  // since the start of the run
  enum class Action { Start, Stop } action = Action::Start;
  size_t fault_index = 0;  // into ScheduleSpec::faults
  int64_t cycle = 0;       // which start/stop pair this op belongs to
  FaultSpec spec;          // for Start: resolved target + params.seed; for Stop: same as its start
  Json to_json() const;
};

// Throws std::invalid_argument for no faults or a non-positive interval / time limit.
std::vector<ScheduledOp> make_schedule(const ScheduleSpec& spec,
                                       const std::vector<std::string>& nodes);

}  // namespace faultline::nemesis
