// clock: wall-clock offsets per node through libfaketime's offset file (processes started with
// faketime_env() re-read it on every clock call).
// params (one of):
//   bump_ms: N          add N ms (may be negative) to the node's current offset;
//   strobe_ms: N, period_ms: P (default 100), duration_ms: D (default 10000)
//                       flip between current+N and current every P ms for D ms (a bounded loop
//                       on the node, pid file <state_dir>/sh.strobe.pid), then back to current;
//   reset: true         offset back to zero.
// undo: {"file": "...", "strobe_pid_file": "..."?} -> stop the strobe, offset zero.
#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "fault_util.h"
#include "faultline/nemesis/commands.h"

namespace faultline::nemesis {
namespace {
using control::shell_quote;

// Parses libfaketime's "+5.250" / "-1.5" (seconds); empty or unreadable = 0.
int64_t parse_offset_ms(const std::string& text) {
  if (text.empty()) return 0;
  char* end = nullptr;
  double s = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return 0;
  return static_cast<int64_t>(s * 1000.0 + (s < 0 ? -0.5 : 0.5));
}

class ClockFault final : public Fault {
 public:
  std::string_view kind() const override { return "clock"; }

  Json start(FaultContext& ctx, const FaultSpec& spec) override {
    auto targets = ctx.targets(spec);
    const bool reset = spec.params.value("reset", false);
    const bool strobe = spec.params.contains("strobe_ms");
    const auto bump_ms = static_cast<int64_t>(detail::num_param(spec, "bump_ms", 0));
    if (!reset && !strobe && bump_ms == 0)
      throw std::invalid_argument("clock: give bump_ms (non-zero), strobe_ms, or reset");
    Json offsets = Json::object();
    for (const auto& node : targets) {
      const std::string file = ctx.clock_file(node);
      auto cur = ctx.run(node, "cat " + shell_quote(file) + " 2>/dev/null; true");
      const int64_t current_ms = parse_offset_ms(cur.out);
      Json undo = {{"file", file}};
      if (reset) {
        ctx.journal_step(node, undo);
        ctx.run(node, cmd::write_clock(file, 0));
        offsets[node] = 0;
      } else if (!strobe) {
        ctx.journal_step(node, undo);
        ctx.run(node, cmd::write_clock(file, current_ms + bump_ms));
        offsets[node] = current_ms + bump_ms;
      } else {
        const auto delta = static_cast<int64_t>(detail::num_param(spec, "strobe_ms", 0));
        const auto period = std::max<int64_t>(
            10, static_cast<int64_t>(detail::num_param(spec, "period_ms", 100)));
        const auto duration = std::max<int64_t>(
            period, static_cast<int64_t>(detail::num_param(spec, "duration_ms", 10000)));
        const std::string pid_file = ctx.state_dir(node) + "/sh.strobe.pid";
        undo["strobe_pid_file"] = pid_file;
        ctx.journal_step(node, undo);
        const int64_t flips = duration / (2 * period);
        char sleep_s[32];
        std::snprintf(sleep_s, sizeof sleep_s, "%.3f", period / 1000.0);
        std::string loop = "echo $$ > " + shell_quote(pid_file) + "; i=0; while [ $i -lt " +
                           std::to_string(flips) + " ]; do " +
                           cmd::write_clock(file, current_ms + delta) + "; sleep " + sleep_s +
                           "; " + cmd::write_clock(file, current_ms) + "; sleep " + sleep_s +
                           "; i=$((i+1)); done; rm -f " + shell_quote(pid_file);
        ctx.run(node, cmd::kill_pid_file(pid_file, "sh") + "; mkdir -p " +
                          shell_quote(ctx.state_dir(node)) + " && setsid sh -c " +
                          shell_quote(loop) + " > /dev/null 2>&1 < /dev/null &");
        offsets[node] = {{"strobe_ms", delta}, {"period_ms", period}, {"base_ms", current_ms}};
      }
    }
    return {{"offsets_ms", offsets}};
  }

  void undo(FaultContext& ctx, const UndoStep& step) override {
    std::string c;
    if (step.undo.contains("strobe_pid_file"))
      c = cmd::kill_pid_file(step.undo.at("strobe_pid_file").get<std::string>(), "sh") + "; ";
    c += cmd::reset_clock(step.undo.at("file").get<std::string>());
    ctx.run(step.node, c);
  }
};

}  // namespace

std::unique_ptr<Fault> make_clock_fault() { return std::make_unique<ClockFault>(); }

}  // namespace faultline::nemesis
