// partition: iptables DROP rules in each node's FAULTLINE chain, from a grudge.
// params: shape = halves | random-halves | isolate | majority-minority | bridge |
//         majorities-ring | one-way | primaries | grudge (default halves);
//         isolate: the node is the first of the fault's target (default target "one");
//         one-way: from, to (packets from `from` to `to` are dropped at `to`);
//         grudge: "n1:n2,n3;n2:n1" (node: nodes it drops from).
// undo (per node): {"rules": [[iptables rule argv]...]}.
#include <stdexcept>

#include "fault_util.h"
#include "faultline/nemesis/commands.h"
#include "faultline/nemesis/grudge.h"

namespace faultline::nemesis {
namespace {

class PartitionFault final : public Fault {
 public:
  std::string_view kind() const override { return "partition"; }

  Json start(FaultContext& ctx, const FaultSpec& spec) override {
    std::vector<std::string> names;
    for (const auto& n : ctx.nodes()) names.push_back(n.name);
    const std::string shape = detail::str_param(spec, "shape", "halves");
    Grudge g = grudge_for(ctx, spec, shape, names);
    for (const auto& [node, from] : g) {
      if (from.empty()) continue;
      std::vector<std::vector<std::string>> rules;
      for (const auto& f : from) rules.push_back(cmd::drop_from_rule(ctx.node(f).address));
      ctx.journal_step(node, {{"rules", rules}});
      ctx.run(node, cmd::add_rules(rules, /*at_head=*/true));
    }
    Json grudge = Json::object();
    for (const auto& [node, from] : g) grudge[node] = from;
    return {{"shape", shape}, {"grudge", grudge}};
  }

  void undo(FaultContext& ctx, const UndoStep& step) override {
    ctx.run(step.node, cmd::delete_rules(detail::rules_from_json(step.undo.at("rules"))));
  }

 private:
  static Grudge grudge_for(FaultContext& ctx, const FaultSpec& spec, const std::string& shape,
                           const std::vector<std::string>& names) {
    const uint64_t seed = ctx.seed();
    if (shape == "halves") return complete_grudge(halves(names));
    if (shape == "random-halves") return complete_grudge(random_halves(names, seed));
    if (shape == "isolate") {
      FaultSpec s = spec;
      if (s.target == "all") s.target = "one";
      auto t = ctx.targets(s);
      if (t.size() != 1)
        throw std::invalid_argument("partition isolate: target must select one node, got " +
                                    std::to_string(t.size()));
      return complete_grudge(isolate(names, t.front()));
    }
    if (shape == "majority-minority") return complete_grudge(majority_minority(names, seed));
    if (shape == "bridge") return bridge(names);
    if (shape == "majorities-ring") return majorities_ring(names, seed);
    if (shape == "one-way")
      return one_way(names, detail::str_param(spec, "from", ""), detail::str_param(spec, "to", ""));
    if (shape == "primaries") {
      if (!ctx.hooks().primaries)
        throw std::invalid_argument("partition primaries: the system names no primaries");
      return complete_grudge(primaries_apart(names, ctx.hooks().primaries()));
    }
    if (shape == "grudge") return parse_grudge(detail::str_param(spec, "grudge", ""), names);
    throw std::invalid_argument("partition: unknown shape '" + shape +
                                "' (halves, random-halves, isolate, majority-minority, bridge, "
                                "majorities-ring, one-way, primaries, grudge)");
  }
};

}  // namespace

std::unique_ptr<Fault> make_partition_fault() { return std::make_unique<PartitionFault>(); }

}  // namespace faultline::nemesis
