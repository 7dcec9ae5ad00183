// Target selection: which nodes a fault hits (Jepsen's :one, :minority, :majority, :all,
// :primaries, or a list). Pure and seeded: same spec + nodes + primaries + seed -> same nodes,
// returned in the order of `nodes`.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::nemesis {

struct TargetSpec {
  enum class Kind { One, Minority, Majority, All, Primaries, List };
  Kind kind = Kind::All;
  std::vector<std::string> names;  // Kind::List only
};

// "one" | "minority" | "majority" | "all" | "primaries" | "n1,n2,...". Throws
// std::invalid_argument for an empty spec or an empty name in a list.
TargetSpec parse_target(std::string_view text);
std::string format_target(const TargetSpec& t);

// one: 1 random node; minority: floor((n-1)/2) random nodes (at least 1); majority:
// floor(n/2)+1 random nodes; all; primaries (std::invalid_argument when none are named);
// list: the names, each checked against `nodes`.
std::vector<std::string> select_targets(const TargetSpec& spec,
                                        const std::vector<std::string>& nodes,
                                        const std::vector<std::string>& primaries, uint64_t seed);

}  // namespace faultline::nemesis
