#include "faultline/nemesis/schedule.h"

#include <numeric>
#include <stdexcept>

#include "faultline/nemesis/grudge.h"
#include "faultline/nemesis/target.h"

namespace faultline::nemesis {
namespace {

// Independent seeded streams per purpose, so e.g. the order of kinds of a seed does not change
// when a fault's targeting does.
uint64_t stream_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

Json ScheduledOp::to_json() const {
  return {{"at_ms", at_ms},
          {"action", action == Action::Start ? "start" : "stop"},
          {"fault_index", fault_index},
          {"cycle", cycle},
          {"node_spec", node_spec},
          {"spec", spec.to_json()}};
}

ShuffledRoundRobin::ShuffledRoundRobin(size_t size, uint64_t seed)
    : round_(size), pos_(size), state_(seed) {
  if (size == 0) throw std::invalid_argument("shuffled round robin: no choices");
}

size_t ShuffledRoundRobin::next() {
  if (pos_ == round_.size()) {
    std::iota(round_.begin(), round_.end(), size_t{0});
    for (size_t i = round_.size(); i > 1; --i) std::swap(round_[i - 1], round_[seeded_below(state_, i)]);
    pos_ = 0;
  }
  return round_[pos_++];
}

ScheduleSpec schedule_spec_from_json(const Json& j) {
  if (!j.is_object()) throw std::invalid_argument("schedule: want a JSON object");
  ScheduleSpec s;
  try {
    for (const auto& f : j.at("faults")) s.faults.push_back(FaultSpec::from_json(f));
    s.interval_ms = j.value("interval_ms", s.interval_ms);
    s.time_limit_ms = j.value("time_limit_ms", s.time_limit_ms);
    s.seed = j.value("seed", s.seed);
    s.primaries = j.value("primaries", s.primaries);
    const std::string order = j.value("order", "random");
    if (order == "fixed") s.order = ScheduleSpec::Order::Fixed;
    else if (order == "random") s.order = ScheduleSpec::Order::Random;
    else throw std::invalid_argument("schedule: order must be fixed or random, not '" + order + "'");
  } catch (const Json::exception& e) {
    throw std::invalid_argument(std::string("schedule: ") + e.what());
  }
  return s;
}

std::vector<ScheduledOp> make_schedule(const ScheduleSpec& spec,
                                       const std::vector<std::string>& nodes) {
  if (spec.faults.empty()) throw std::invalid_argument("schedule: no faults");
  if (nodes.empty()) throw std::invalid_argument("schedule: no nodes");
  if (spec.interval_ms <= 0 || spec.time_limit_ms <= 0)
    throw std::invalid_argument("schedule: interval and time limit must be positive");
  std::vector<FaultSpec> faults = spec.faults;
  std::vector<TargetSpec> targets;
  for (auto& f : faults) {
    targets.push_back(parse_target(f.target));  // a bad target fails before anything is planned
    if (!f.params.is_object()) f.params = Json::object();
  }
  const auto choices = node_spec_choices(nodes.size(), spec.primaries);
  ShuffledRoundRobin kinds(faults.size(), stream_seed(spec.seed, 0));
  std::vector<ShuffledRoundRobin> aims;
  for (size_t i = 0; i < faults.size(); ++i)
    aims.emplace_back(choices.size(), stream_seed(spec.seed, 1 + i));
  uint64_t state = spec.seed ^ 0x9e3779b97f4a7c15ULL;  // per-op seeds
  std::vector<ScheduledOp> out;
  // Bounded: at most time_limit / (2 * interval) cycles.
  for (int64_t cycle = 0;; ++cycle) {
    const int64_t start_at = spec.interval_ms * (2 * cycle + 1);
    const int64_t stop_at = start_at + spec.interval_ms;
    if (stop_at > spec.time_limit_ms) break;
    const size_t idx = spec.order == ScheduleSpec::Order::Fixed
                           ? static_cast<size_t>(cycle) % faults.size()
                           : kinds.next();
    const uint64_t op_seed = seeded_below(state, UINT64_MAX);
    FaultSpec f = faults[idx];
    TargetSpec t = targets[idx];
    if (t.kind == TargetSpec::Kind::Any) t.kind = choices[aims[idx].next()];
    const std::string node_spec = t.kind == TargetSpec::Kind::List ? f.target : format_target(t);
    if (t.kind != TargetSpec::Kind::Primaries && t.kind != TargetSpec::Kind::All) {
      std::string list;
      for (const auto& n : select_targets(t, nodes, {}, op_seed)) list += (list.empty() ? "" : ",") + n;
      f.target = list;
    } else {
      f.target = format_target(t);
    }
    f.params["seed"] = op_seed;
    out.push_back({start_at, ScheduledOp::Action::Start, idx, cycle, f, node_spec});
    out.push_back({stop_at, ScheduledOp::Action::Stop, idx, cycle, f, node_spec});
  }
  return out;
}

}  // namespace faultline::nemesis
