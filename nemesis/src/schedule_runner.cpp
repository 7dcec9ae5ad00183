#include "faultline/nemesis/schedule_runner.h"

#include <chrono>
#include <map>
#include <thread>

namespace faultline::nemesis {

HealReport run_schedule(Nemesis& nemesis, const std::vector<ScheduledOp>& ops,
                        const ScheduleRunOptions& opts) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  auto now_ns = [&] {
    return opts.time_base_ns +
           std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
  };
  auto stop_requested = [&] { return opts.should_stop && opts.should_stop(); };
  auto emit = [&](OpType type, const std::string& f, Json value) {
    if (!opts.on_op) return;
    Op op;
    op.time_ns = now_ns();
    op.process = kNemesisProcess;
    op.type = type;
    op.f = f;
    op.value = std::move(value);
    opts.on_op(op);
  };

  std::map<int64_t, std::string> started;  // cycle -> fault id
  for (const auto& op : ops) {
    // Sleep until the op is due, in short slices so a stop request is seen quickly.
    while (!stop_requested()) {
      auto due = t0 + std::chrono::milliseconds(op.at_ms);
      auto left = due - Clock::now();
      if (left <= std::chrono::nanoseconds::zero()) break;
      std::this_thread::sleep_for(std::min<Clock::duration>(left, std::chrono::milliseconds(20)));
    }
    if (stop_requested()) break;
    const bool is_start = op.action == ScheduledOp::Action::Start;
    const std::string f = std::string(is_start ? "start-" : "stop-") + op.spec.kind;
    if (is_start) {
      Json invoke_value = op.spec.to_json();
      invoke_value["node_spec"] = op.node_spec;
      emit(OpType::Invoke, f, std::move(invoke_value));
      try {
        auto s = nemesis.start(op.spec);
        started[op.cycle] = s.fault_id;
        emit(OpType::Info, f,
             {{"fault", s.fault_id}, {"node_spec", op.node_spec}, {"nodes", s.nodes}, {"effect", s.value}});
      } catch (const std::exception& e) {
        emit(OpType::Info, f, {{"node_spec", op.node_spec}, {"error", e.what()}});
      }
    } else {
      auto it = started.find(op.cycle);
      if (it == started.end()) continue;  // its start failed: nothing to stop
      emit(OpType::Invoke, f, {{"fault", it->second}});
      try {
        nemesis.stop(it->second);
        emit(OpType::Info, f, {{"fault", it->second}});
      } catch (const std::exception& e) {
        emit(OpType::Info, f, {{"fault", it->second}, {"error", e.what()}});
      }
      started.erase(it);
    }
  }
  emit(OpType::Invoke, "heal", nullptr);
  HealReport rep = nemesis.heal_all();
  emit(OpType::Info, "heal",
       {{"steps_undone", rep.steps_undone}, {"errors", rep.errors}});
  return rep;
}

}  // namespace faultline::nemesis
