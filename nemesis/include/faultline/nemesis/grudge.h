// Grudges: who drops whose packets during a network partition (Jepsen's nemesis/grudge).
//
// A Grudge maps a node to the set of nodes it drops traffic FROM (applied as iptables DROP rules
// on that node's INPUT). Shape functions are pure: same nodes + same seed -> same grudge. They
// never put a node in its own set. Node lists must be non-empty and free of duplicates
// (std::invalid_argument otherwise).
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::nemesis {

using Grudge = std::map<std::string, std::set<std::string>>;
using Components = std::vector<std::vector<std::string>>;

// Every node drops traffic from every node outside its own component.
Grudge complete_grudge(const Components& components);

// Jepsen's split: first floor(n/2) nodes vs the rest (the larger half).
Components halves(const std::vector<std::string>& nodes);
// halves() of a seeded shuffle.
Components random_halves(const std::vector<std::string>& nodes, uint64_t seed);
// [node] vs everyone else.
Components isolate(const std::vector<std::string>& nodes, const std::string& node);
// A seeded random strict minority (floor((n-1)/2) nodes, at least 1) vs the majority.
Components majority_minority(const std::vector<std::string>& nodes, uint64_t seed);
// Primaries vs everyone else (primaries must be a non-empty strict subset of nodes).
Components primaries_apart(const std::vector<std::string>& nodes,
                           const std::vector<std::string>& primaries);
// Two halves (as halves()) that both still talk to one bridge node, the first of the larger half.
Grudge bridge(const std::vector<std::string>& nodes);
// Nodes on a seeded ring each see themselves plus their ring neighbours within distance
// ceil((floor(n/2))/2): every node sees a majority, no two adjacent nodes see the same one.
// Symmetric. Needs n >= 4.
Grudge majorities_ring(const std::vector<std::string>& nodes, uint64_t seed);
// Packets from `from` to `to` are dropped (at `to`); the other direction is untouched.
Grudge one_way(const std::vector<std::string>& nodes, const std::string& from,
               const std::string& to);
// Parses "n1:n2,n3;n2:n1" (node:nodes it drops from; ';' separates entries) and checks every
// name against `nodes`.
Grudge parse_grudge(std::string_view text, const std::vector<std::string>& nodes);
std::string format_grudge(const Grudge& g);

// Whether traffic from `from` reaches `to` under the grudge (i.e. `to` does not drop `from`).
bool delivers(const Grudge& g, const std::string& from, const std::string& to);

// Seeded Fisher-Yates with a fixed generator (std::mt19937_64), so results do not depend on
// the standard library's distributions.
std::vector<std::string> seeded_shuffle(std::vector<std::string> v, uint64_t seed);
// Uniform integer in [0, bound) from a 64-bit generator state, library independent.
uint64_t seeded_below(uint64_t& state, uint64_t bound);

}  // namespace faultline::nemesis
