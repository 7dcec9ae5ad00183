// ScheduleRunner: plays a schedule (schedule.h) against a Nemesis in real time and reports each
// fault op as history ops of process `nemesis` (Jepsen's shape: an `invoke` when the op begins,
// an `info` when it completes, with f = "start-<kind>" / "stop-<kind>" and the fault's
// description, or the error, as value), so reports can shade fault windows. A start's invoke
// value is its FaultSpec JSON plus "node_spec"; its info value is {"fault", "node_spec", "nodes",
// "effect"} or {"node_spec", "error"}: the node spec the occurrence was aimed with
// (ScheduledOp::node_spec) and the nodes it hit.
//
// Guarantees: a stop is played for every start that succeeded (the ids are tracked per cycle);
// a failed start or stop is reported (value.error) and the schedule continues; when
// `should_stop` turns true (checked at least every 20 ms) or the schedule ends, heal_all runs
// and its report is returned. Never throws from a fault; bounded by the schedule's last op.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "faultline/core/op.h"
#include "faultline/nemesis/nemesis.h"
#include "faultline/nemesis/schedule.h"

namespace faultline::nemesis {

struct ScheduleRunOptions {
  // Op times are relative to this start (ns since test start of the first op's base).
  int64_t time_base_ns = 0;
  std::function<bool()> should_stop;            // optional
  std::function<void(const Op&)> on_op;         // optional: receives every history op
};

HealReport run_schedule(Nemesis& nemesis, const std::vector<ScheduledOp>& ops,
                        const ScheduleRunOptions& opts);

}  // namespace faultline::nemesis
