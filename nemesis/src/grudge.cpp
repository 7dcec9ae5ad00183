#include "faultline/nemesis/grudge.h"

#include <algorithm>
#include <random>
#include <stdexcept>

namespace faultline::nemesis {
namespace {

void check_nodes(const std::vector<std::string>& nodes) {
  if (nodes.empty()) throw std::invalid_argument("grudge: no nodes");
  std::set<std::string> seen;
  for (const auto& n : nodes) {
    if (n.empty()) throw std::invalid_argument("grudge: empty node name");
    if (!seen.insert(n).second) throw std::invalid_argument("grudge: duplicate node " + n);
  }
}

void check_member(const std::vector<std::string>& nodes, const std::string& n) {
  if (std::find(nodes.begin(), nodes.end(), n) == nodes.end())
    throw std::invalid_argument("grudge: unknown node " + n);
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(trim(s.substr(start, p == std::string_view::npos ? s.npos : p - start)));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

}  // namespace

uint64_t seeded_below(uint64_t& state, uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("seeded_below: bound 0");
  std::mt19937_64 gen(state);
  // Rejection sampling keeps the draw uniform and independent of <random> distributions.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
  uint64_t x;
  do {
    x = gen();
  } while (x >= limit);
  state = gen();
  return x % bound;
}

std::vector<std::string> seeded_shuffle(std::vector<std::string> v, uint64_t seed) {
  uint64_t state = seed;
  for (size_t i = v.size(); i > 1; --i) {
    size_t j = seeded_below(state, i);
    std::swap(v[i - 1], v[j]);
  }
  return v;
}

Grudge complete_grudge(const Components& components) {
  std::vector<std::string> all;
  for (const auto& c : components) all.insert(all.end(), c.begin(), c.end());
  check_nodes(all);
  Grudge g;
  for (const auto& c : components) {
    std::set<std::string> outside;
    for (const auto& n : all)
      if (std::find(c.begin(), c.end(), n) == c.end()) outside.insert(n);
    for (const auto& n : c) g[n] = outside;
  }
  return g;
}

Components halves(const std::vector<std::string>& nodes) {
  check_nodes(nodes);
  if (nodes.size() < 2) throw std::invalid_argument("halves: need at least 2 nodes");
  size_t k = nodes.size() / 2;
  return {std::vector<std::string>(nodes.begin(), nodes.begin() + k),
          std::vector<std::string>(nodes.begin() + k, nodes.end())};
}

Components random_halves(const std::vector<std::string>& nodes, uint64_t seed) {
  check_nodes(nodes);
  return halves(seeded_shuffle(nodes, seed));
}

Components isolate(const std::vector<std::string>& nodes, const std::string& node) {
  check_nodes(nodes);
  check_member(nodes, node);
  if (nodes.size() < 2) throw std::invalid_argument("isolate: need at least 2 nodes");
  std::vector<std::string> rest;
  for (const auto& n : nodes)
    if (n != node) rest.push_back(n);
  return {{node}, rest};
}

Components majority_minority(const std::vector<std::string>& nodes, uint64_t seed) {
  check_nodes(nodes);
  if (nodes.size() < 2) throw std::invalid_argument("majority-minority: need at least 2 nodes");
  size_t k = std::max<size_t>(1, (nodes.size() - 1) / 2);
  auto shuffled = seeded_shuffle(nodes, seed);
  std::vector<std::string> minority(shuffled.begin(), shuffled.begin() + k);
  std::vector<std::string> majority;
  // Keep both sides in the caller's node order so output reads naturally.
  std::vector<std::string> min_sorted;
  for (const auto& n : nodes) {
    if (std::find(minority.begin(), minority.end(), n) != minority.end())
      min_sorted.push_back(n);
    else
      majority.push_back(n);
  }
  return {min_sorted, majority};
}

Components primaries_apart(const std::vector<std::string>& nodes,
                           const std::vector<std::string>& primaries) {
  check_nodes(nodes);
  if (primaries.empty()) throw std::invalid_argument("primaries: the system named no primaries");
  for (const auto& p : primaries) check_member(nodes, p);
  std::vector<std::string> ps, rest;
  for (const auto& n : nodes) {
    if (std::find(primaries.begin(), primaries.end(), n) != primaries.end())
      ps.push_back(n);
    else
      rest.push_back(n);
  }
  if (rest.empty()) throw std::invalid_argument("primaries: every node is a primary");
  return {ps, rest};
}

Grudge bridge(const std::vector<std::string>& nodes) {
  check_nodes(nodes);
  if (nodes.size() < 3) throw std::invalid_argument("bridge: need at least 3 nodes");
  auto h = halves(nodes);
  const auto& a = h[0];
  const auto& b = h[1];
  const std::string br = b.front();
  Grudge g;
  for (const auto& n : a)
    for (const auto& m : b)
      if (m != br) g[n].insert(m);
  for (const auto& m : b) {
    if (m == br) {
      g[m];  // the bridge drops nothing
      continue;
    }
    for (const auto& n : a) g[m].insert(n);
  }
  return g;
}

Grudge majorities_ring(const std::vector<std::string>& nodes, uint64_t seed) {
  check_nodes(nodes);
  const size_t n = nodes.size();
  if (n < 4) throw std::invalid_argument("majorities-ring: need at least 4 nodes");
  const size_t d = (n / 2 + 1) / 2;  // ceil(floor(n/2) / 2)
  auto ring = seeded_shuffle(nodes, seed);
  Grudge g;
  for (size_t i = 0; i < n; ++i) {
    auto& drops = g[ring[i]];
    for (size_t j = 0; j < n; ++j) {
      size_t dist = std::min((i + n - j) % n, (j + n - i) % n);
      if (dist > d) drops.insert(ring[j]);
    }
  }
  return g;
}

Grudge one_way(const std::vector<std::string>& nodes, const std::string& from,
               const std::string& to) {
  check_nodes(nodes);
  check_member(nodes, from);
  check_member(nodes, to);
  if (from == to) throw std::invalid_argument("one-way: from and to are the same node");
  Grudge g;
  for (const auto& n : nodes) g[n];
  g[to].insert(from);
  return g;
}

Grudge parse_grudge(std::string_view text, const std::vector<std::string>& nodes) {
  check_nodes(nodes);
  Grudge g;
  for (const auto& n : nodes) g[n];
  for (const auto& entry : split(text, ';')) {
    if (entry.empty()) continue;
    size_t colon = entry.find(':');
    if (colon == std::string::npos)
      throw std::invalid_argument("grudge entry '" + entry + "' lacks ':' (want node:n1,n2)");
    std::string node = trim(std::string_view(entry).substr(0, colon));
    check_member(nodes, node);
    for (const auto& from : split(std::string_view(entry).substr(colon + 1), ',')) {
      if (from.empty()) continue;
      check_member(nodes, from);
      if (from == node) throw std::invalid_argument("grudge: node " + node + " drops itself");
      g[node].insert(from);
    }
  }
  return g;
}

std::string format_grudge(const Grudge& g) {
  std::string out;
  for (const auto& [node, from] : g) {
    if (from.empty()) continue;
    if (!out.empty()) out += ';';
    out += node + ':';
    bool first = true;
    for (const auto& f : from) {
      if (!first) out += ',';
      out += f;
      first = false;
    }
  }
  return out;
}

bool delivers(const Grudge& g, const std::string& from, const std::string& to) {
  auto it = g.find(to);
  return it == g.end() || !it->second.count(from);
}

}  // namespace faultline::nemesis
