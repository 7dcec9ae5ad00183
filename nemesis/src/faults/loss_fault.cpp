// loss: each target node drops packets from every other node with probability p
// (iptables statistic --mode random). Traffic from the control node is left alone so the
// nemesis keeps reaching the node.
// params: probability (0, 1], default 0.2.   undo: {"rules": [...]}.
#include "fault_util.h"
#include "faultline/nemesis/commands.h"

namespace faultline::nemesis {
namespace {

class LossFault final : public Fault {
 public:
  std::string_view kind() const override { return "loss"; }

  Json start(FaultContext& ctx, const FaultSpec& spec) override {
    const double p = detail::num_param(spec, "probability", 0.2);
    auto targets = ctx.targets(spec);
    for (const auto& node : targets) {
      std::vector<std::vector<std::string>> rules;
      for (const auto& ip : detail::peer_addresses(ctx, node)) rules.push_back(cmd::loss_rule(ip, p));
      ctx.journal_step(node, {{"rules", rules}});
      ctx.run(node, cmd::add_rules(rules, /*at_head=*/true));
    }
    return {{"probability", p}, {"nodes", targets}};
  }

  void undo(FaultContext& ctx, const UndoStep& step) override {
    ctx.run(step.node, cmd::delete_rules(detail::rules_from_json(step.undo.at("rules"))));
  }
};

}  // namespace

std::unique_ptr<Fault> make_loss_fault() { return std::make_unique<LossFault>(); }

}  // namespace faultline::nemesis
