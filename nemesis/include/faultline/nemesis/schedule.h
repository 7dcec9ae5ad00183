// Schedule: several faults composed over a run (Jepsen's nemesis generator), as a pure function.
//
// Timeline for interval I and time limit T: quiet for I, start a fault, hold it I, stop it,
// quiet I, start the next, ... A start is only scheduled when its stop fits before T, so every
// start has a matching stop.
//
// Which fault: order Fixed cycles through `faults` in list order; order Random is a shuffled
// round robin (seeded): each round runs every fault once, in a fresh order, so no fault repeats
// before every other one ran (a two-fault run with two slots gets both).
//
// Which nodes: a fault whose target is "any" (target.h) gets a node spec drawn per occurrence
// from node_spec_choices(nodes, spec.primaries) — one, minority, majority, all, primaries, the
// empty or undefined ones left out — again as a shuffled round robin (seeded, one per fault of
// the list), so every choice is used before one repeats. Random targets (one / minority /
// majority, drawn or given) are then resolved here to explicit node lists and every start
// carries its own seed (params.seed), so replaying a stored schedule repeats the same faults on
// the same nodes. "primaries" stays symbolic: leaders are only known at run time. Each op
// records the node spec it was aimed with (ScheduledOp::node_spec).
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
  // The system names primaries (leaders): only then may "any" draw "primaries".
  bool primaries = false;
};

struct ScheduledOp {
  int64_t at_ms = 0;  // since the start of the run
  enum class Action { Start, Stop } action = Action::Start;
  size_t fault_index = 0;  // into ScheduleSpec::faults
  int64_t cycle = 0;       // which start/stop pair this op belongs to
  FaultSpec spec;          // for Start: resolved target + params.seed; for Stop: same as its start
  // The node spec this occurrence is aimed with: the one drawn for "any" ("one", "minority",
  // "majority", "all", "primaries"), else the fault's own target as given ("all", "n1,n3").
  std::string node_spec;
  Json to_json() const;  // {"at_ms", "action", "fault_index", "cycle", "node_spec", "spec"}
};

// A shuffled round robin over `size` choices: round after round, every choice once in a seeded
// order. Deterministic per (size, seed). Throws std::invalid_argument for size 0.
class ShuffledRoundRobin {
 public:
  ShuffledRoundRobin(size_t size, uint64_t seed);
  size_t next();

 private:
  std::vector<size_t> round_;
  size_t pos_;
  uint64_t state_;
};

// {"faults": [{"kind", "params"?, "target"?}...], "interval_ms"?, "order"?: "fixed"|"random",
//  "time_limit_ms"?, "seed"?, "primaries"?: bool}; throws std::invalid_argument naming the bad
// field.
ScheduleSpec schedule_spec_from_json(const Json& j);

// Throws std::invalid_argument for no faults, no nodes, or a non-positive interval / time limit.
std::vector<ScheduledOp> make_schedule(const ScheduleSpec& spec,
                                       const std::vector<std::string>& nodes);

}  // namespace faultline::nemesis
