// kill: SIGKILL of the system's processes on each target node, verified gone (a zombie counts
// as gone: its parent reaps it); undo = restart, through the system's restart hook, else the
// journaled restart command, only when no selected process is running (so undo is idempotent).
// params: process | pattern | pid_file; restart_cmd (overrides the system's).
// undo: {"selector": {...}, "restart_cmd": "..."}.
#include <algorithm>

#include "fault_util.h"
#include "faultline/nemesis/commands.h"

namespace faultline::nemesis {
namespace {

class KillFault final : public Fault {
 public:
  std::string_view kind() const override { return "kill"; }

  Json start(FaultContext& ctx, const FaultSpec& spec) override {
    const ProcessSelector sel = detail::selector_for(ctx, spec);
    const std::string restart = detail::str_param(spec, "restart_cmd", ctx.hooks().restart_cmd);
    auto targets = ctx.targets(spec);
    Json pids = Json::object();
    for (const auto& node : targets) {
      ctx.journal_step(node, {{"selector", sel.to_json()}, {"restart_cmd", restart}});
      auto r = ctx.run(node, cmd::kill_processes(sel, ctx.config().process_wait_ms));
      pids[node] = r.out.substr(0, r.out.find_first_of("\r\n"));
    }
    return {{"processes", sel.to_json()}, {"pids", pids}};
  }

  void undo(FaultContext& ctx, const UndoStep& step) override {
    const auto sel = ProcessSelector::from_json(step.undo.at("selector"));
    auto running = ctx.run(step.node, cmd::select_pids(sel) + "; true");
    if (running.out.find_first_not_of(" \r\n") != std::string::npos) return;  // already up
    if (ctx.hooks().restart) {
      ctx.hooks().restart(step.node);
      return;
    }
    const std::string restart = step.undo.value("restart_cmd", "");
    if (restart.empty()) return;  // nothing knows how to restart it; the runner's teardown will
    const std::string log = ctx.state_dir(step.node) + "/restart.log";
    ctx.run(step.node, "mkdir -p " + control::shell_quote(ctx.state_dir(step.node)) +
                           " && setsid sh -c " + control::shell_quote(restart) + " > " +
                           control::shell_quote(log) + " 2>&1 < /dev/null &");
    const std::string sel_cmd = cmd::select_pids(sel);
    const int64_t rounds = std::max<int64_t>(1, ctx.config().process_wait_ms / 20);
    ctx.run(step.node, "i=0; while [ -z \"$(" + sel_cmd + ")\" ] && [ $i -lt " +
                           std::to_string(rounds) + " ]; do sleep 0.02; i=$((i+1)); done; [ -n \"$(" +
                           sel_cmd + ")\" ] || { echo 'restart did not bring a process up' >&2; exit 1; }");
  }
};

}  // namespace

std::unique_ptr<Fault> make_kill_fault() { return std::make_unique<KillFault>(); }

}  // namespace faultline::nemesis
