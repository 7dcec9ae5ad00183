// rate: limits what each target node sends with a tc tbf root qdisc (handle fa17:) on the
// device that routes to its peers.
// params: rate (tc syntax, default "1mbit"), burst (default "32kbit"), latency_ms (default 400).
// undo: {"dev": "eth0"}.
#include <stdexcept>

#include "fault_util.h"
#include "faultline/nemesis/commands.h"

namespace faultline::nemesis {
namespace {

class RateFault final : public Fault {
 public:
  std::string_view kind() const override { return "rate"; }

  Json start(FaultContext& ctx, const FaultSpec& spec) override {
    const std::string rate = detail::str_param(spec, "rate", "1mbit");
    const std::string burst = detail::str_param(spec, "burst", "32kbit");
    const auto latency_ms = static_cast<int64_t>(detail::num_param(spec, "latency_ms", 400));
    auto targets = ctx.targets(spec);
    Json devs = Json::object();
    for (const auto& node : targets) {
      std::string dev = ctx.config().net_device;
      if (dev.empty()) {
        auto peers = detail::peer_addresses(ctx, node);
        if (peers.empty()) throw std::invalid_argument("rate: node " + node + " has no peers");
        auto r = ctx.run(node, cmd::device_towards(peers.front()));
        dev = r.out.substr(0, r.out.find_first_of("\r\n"));
        if (dev.empty())
          throw FaultError(node, cmd::device_towards(peers.front()), "no device routes to peers");
      }
      ctx.journal_step(node, {{"dev", dev}});
      ctx.run(node, cmd::tbf_add(dev, rate, burst, latency_ms));
      devs[node] = dev;
    }
    return {{"rate", rate}, {"burst", burst}, {"devices", devs}};
  }

  void undo(FaultContext& ctx, const UndoStep& step) override {
    ctx.run(step.node, cmd::tbf_del(step.undo.at("dev").get<std::string>()));
  }
};

}  // namespace

std::unique_ptr<Fault> make_rate_fault() { return std::make_unique<RateFault>(); }

}  // namespace faultline::nemesis
