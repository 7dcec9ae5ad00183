// pause: SIGSTOP of the system's processes on each target node (verified: state T);
// undo = SIGCONT (verified: no longer T). params: process | pattern | pid_file (override the
// system's selector). undo: {"selector": {...}}.
#include "fault_util.h"
#include "faultline/nemesis/commands.h"

namespace faultline::nemesis {
namespace {

class PauseFault final : public Fault {
 public:
  std::string_view kind() const override { return "pause"; }

  Json start(FaultContext& ctx, const FaultSpec& spec) override {
    const ProcessSelector sel = detail::selector_for(ctx, spec);
    auto targets = ctx.targets(spec);
    Json pids = Json::object();
    for (const auto& node : targets) {
      ctx.journal_step(node, {{"selector", sel.to_json()}});
      auto r = ctx.run(node, cmd::pause_processes(sel, ctx.config().process_wait_ms));
      pids[node] = r.out.substr(0, r.out.find_first_of("\r\n"));
    }
    return {{"processes", sel.to_json()}, {"pids", pids}};
  }

  void undo(FaultContext& ctx, const UndoStep& step) override {
    const auto sel = ProcessSelector::from_json(step.undo.at("selector"));
    ctx.run(step.node, cmd::resume_processes(sel, ctx.config().process_wait_ms));
  }
};

}  // namespace

std::unique_ptr<Fault> make_pause_fault() { return std::make_unique<PauseFault>(); }

}  // namespace faultline::nemesis
