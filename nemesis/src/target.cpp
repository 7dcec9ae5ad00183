#include "faultline/nemesis/target.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "faultline/nemesis/grudge.h"

namespace faultline::nemesis {
namespace {

std::vector<std::string> random_subset(const std::vector<std::string>& nodes, size_t k,
                                       uint64_t seed) {
  auto shuffled = seeded_shuffle(nodes, seed);
  std::set<std::string> chosen(shuffled.begin(), shuffled.begin() + std::min(k, nodes.size()));
  std::vector<std::string> out;
  for (const auto& n : nodes)
    if (chosen.count(n)) out.push_back(n);
  return out;
}

}  // namespace

TargetSpec parse_target(std::string_view text) {
  TargetSpec t;
  if (text.empty()) throw std::invalid_argument("target: empty spec");
  if (text == "one") t.kind = TargetSpec::Kind::One;
  else if (text == "minority") t.kind = TargetSpec::Kind::Minority;
  else if (text == "majority") t.kind = TargetSpec::Kind::Majority;
  else if (text == "all") t.kind = TargetSpec::Kind::All;
  else if (text == "primaries") t.kind = TargetSpec::Kind::Primaries;
  else if (text == "any") t.kind = TargetSpec::Kind::Any;
  else {
    t.kind = TargetSpec::Kind::List;
    size_t start = 0;
    while (true) {
      size_t p = text.find(',', start);
      std::string name(text.substr(start, p == std::string_view::npos ? text.npos : p - start));
      if (name.empty())
        throw std::invalid_argument("target: empty node name in '" + std::string(text) + "'");
      t.names.push_back(name);
      if (p == std::string_view::npos) break;
      start = p + 1;
    }
  }
  return t;
}

std::string format_target(const TargetSpec& t) {
  switch (t.kind) {
    case TargetSpec::Kind::One: return "one";
    case TargetSpec::Kind::Minority: return "minority";
    case TargetSpec::Kind::Majority: return "majority";
    case TargetSpec::Kind::All: return "all";
    case TargetSpec::Kind::Primaries: return "primaries";
    case TargetSpec::Kind::Any: return "any";
    case TargetSpec::Kind::List: {
      std::string out;
      for (const auto& n : t.names) out += (out.empty() ? "" : ",") + n;
      return out;
    }
  }
  return "all";
}

std::vector<TargetSpec::Kind> node_spec_choices(size_t node_count, bool primaries_defined) {
  if (node_count == 0) throw std::invalid_argument("target: no nodes");
  std::vector<TargetSpec::Kind> out = {TargetSpec::Kind::One};
  if (node_count >= 2) out.push_back(TargetSpec::Kind::Minority);
  out.push_back(TargetSpec::Kind::Majority);
  out.push_back(TargetSpec::Kind::All);
  if (primaries_defined) out.push_back(TargetSpec::Kind::Primaries);
  return out;
}

std::vector<std::string> select_targets(const TargetSpec& spec,
                                        const std::vector<std::string>& nodes,
                                        const std::vector<std::string>& primaries, uint64_t seed) {
  if (nodes.empty()) throw std::invalid_argument("target: no nodes");
  const size_t n = nodes.size();
  switch (spec.kind) {
    case TargetSpec::Kind::Any: {
      const auto choices = node_spec_choices(n, !primaries.empty());
      uint64_t state = seed ^ 0xa0761d6478bd642fULL;
      TargetSpec drawn;
      drawn.kind = choices[seeded_below(state, choices.size())];
      return select_targets(drawn, nodes, primaries, state);
    }
    case TargetSpec::Kind::One: return random_subset(nodes, 1, seed);
    case TargetSpec::Kind::Minority:
      return random_subset(nodes, std::max<size_t>(1, (n - 1) / 2), seed);
    case TargetSpec::Kind::Majority: return random_subset(nodes, n / 2 + 1, seed);
    case TargetSpec::Kind::All: return nodes;
    case TargetSpec::Kind::Primaries: {
      if (primaries.empty())
        throw std::invalid_argument("target primaries: the system named no primaries");
      std::vector<std::string> out;
      for (const auto& nd : nodes)
        if (std::find(primaries.begin(), primaries.end(), nd) != primaries.end())
          out.push_back(nd);
      if (out.size() != primaries.size())
        throw std::invalid_argument("target primaries: a primary is not a cluster node");
      return out;
    }
    case TargetSpec::Kind::List: {
      std::vector<std::string> out;
      for (const auto& name : spec.names) {
        if (std::find(nodes.begin(), nodes.end(), name) == nodes.end())
          throw std::invalid_argument("target: unknown node '" + name + "'");
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
      }
      return out;
    }
  }
  return nodes;
}

}  // namespace faultline::nemesis
