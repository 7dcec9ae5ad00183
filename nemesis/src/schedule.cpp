#include "faultline/nemesis/schedule.h"

#include <stdexcept>

#include "faultline/nemesis/grudge.h"
#include "faultline/nemesis/target.h"

namespace faultline::nemesis {

Json ScheduledOp::to_json() const {
  return {{"at_ms", at_ms},
          {"action", action == Action::Start ? "start" : "stop"},
          {"fault_index", fault_index},
          {"cycle", cycle},
          {"spec", spec.to_json()}};
}

std::vector<ScheduledOp> make_schedule(const ScheduleSpec& spec,
                                       const std::vector<std::string>& nodes) {
  if (spec.faults.empty()) throw std::invalid_argument("schedule: no faults");
  if (spec.interval_ms <= 0 || spec.time_limit_ms <= 0)
    throw std::invalid_argument("schedule: interval and time limit must be positive");
  std::vector<ScheduledOp> out;
  uint64_t state = spec.seed ^ 0x9e3779b97f4a7c15ULL;
  // Bounded: at most time_limit / (2 * interval) cycles.
  for (int64_t cycle = 0;; ++cycle) {
    const int64_t start_at = spec.interval_ms * (2 * cycle + 1);
    const int64_t stop_at = start_at + spec.interval_ms;
    if (stop_at > spec.time_limit_ms) break;
    const size_t idx = spec.order == ScheduleSpec::Order::Fixed
                           ? static_cast<size_t>(cycle) % spec.faults.size()
                           : seeded_below(state, spec.faults.size());
    const uint64_t op_seed = seeded_below(state, UINT64_MAX);
    FaultSpec f = spec.faults[idx];
    auto t = parse_target(f.target);
    if (t.kind != TargetSpec::Kind::Primaries && t.kind != TargetSpec::Kind::All) {
      auto chosen = select_targets(t, nodes, {}, op_seed);
      std::string list;
      for (const auto& n : chosen) list += (list.empty() ? "" : ",") + n;
      f.target = list;
    }
    if (!f.params.is_object()) f.params = Json::object();
    f.params["seed"] = op_seed;
    out.push_back({start_at, ScheduledOp::Action::Start, idx, cycle, f});
    out.push_back({stop_at, ScheduledOp::Action::Stop, idx, cycle, f});
  }
  return out;
}

}  // namespace faultline::nemesis
