// Target selection: which nodes a fault hits (Jepsen's :one, :minority, :majority, :all,
// :primaries, or a list), and "any": per occurrence one of those node specs, drawn (seeded) among
// the ones defined for the cluster, as Jepsen's combined nemesis draws a node spec for each
// kill/pause/clock op. Pure and seeded: same spec + nodes + primaries + seed -> same nodes,
// returned in the order of `nodes`.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::nemesis {

struct TargetSpec {
  enum class Kind { One, Minority, Majority, All, Primaries, List, Any };
  Kind kind = Kind::All;
  std::vector<std::string> names;  // Kind::List only
};

// "one" | "minority" | "majority" | "all" | "primaries" | "any" | "n1,n2,...". Throws
// std::invalid_argument for an empty spec or an empty name in a list.
TargetSpec parse_target(std::string_view text);
std::string format_target(const TargetSpec& t);

// The node specs "any" draws from on a cluster of `node_count` nodes, in this order: one,
// minority (only with >= 2 nodes: the minority of one node is empty), majority, all, and
// primaries when `primaries_defined` (the system names primaries; a leaderless one does not).
// Throws std::invalid_argument for 0 nodes.
std::vector<TargetSpec::Kind> node_spec_choices(size_t node_count, bool primaries_defined);

// one: 1 random node; minority: floor((n-1)/2) random nodes (at least 1); majority:
// floor(n/2)+1 random nodes; all; primaries (std::invalid_argument when none are named);
// list: the names, each checked against `nodes`; any: a node spec drawn uniformly (seeded) from
// node_spec_choices(n, !primaries.empty()), then selected as above. (Schedules draw "any" up
// front instead, in a shuffled round robin: schedule.h.)
std::vector<std::string> select_targets(const TargetSpec& spec,
                                        const std::vector<std::string>& nodes,
                                        const std::vector<std::string>& primaries, uint64_t seed);

}  // namespace faultline::nemesis
