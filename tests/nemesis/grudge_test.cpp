// Grudge shapes, checked exhaustively for 3, 5 and 7 nodes against the shape's definition.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "faultline/nemesis/grudge.h"

using namespace faultline::nemesis;

namespace {
std::vector<std::string> names(int n) {
  std::vector<std::string> v;
  for (int i = 1; i <= n; ++i) v.push_back("n" + std::to_string(i));
  return v;
}
// Under a complete grudge of components, a packet is delivered iff both ends share a component.
void check_components(const Grudge& g, const Components& c, const std::vector<std::string>& nodes) {
  auto comp_of = [&](const std::string& n) {
    for (size_t i = 0; i < c.size(); ++i)
      if (std::find(c[i].begin(), c[i].end(), n) != c[i].end()) return static_cast<int>(i);
    return -1;
  };
  for (const auto& a : nodes) {
    REQUIRE(comp_of(a) >= 0);
    for (const auto& b : nodes) {
      INFO(a << " -> " << b);
      CHECK(delivers(g, a, b) == (comp_of(a) == comp_of(b)));
    }
  }
}
size_t total(const Components& c) {
  size_t t = 0;
  for (const auto& x : c) t += x.size();
  return t;
}
}  // namespace

TEST_CASE("halves splits floor(n/2) vs the rest, exhaustively for 3/5/7 nodes") {
  for (int n : {3, 5, 7}) {
    auto nodes = names(n);
    auto c = halves(nodes);
    REQUIRE(c.size() == 2);
    CHECK(c[0].size() == static_cast<size_t>(n / 2));
    CHECK(c[1].size() == static_cast<size_t>(n - n / 2));
    CHECK(c[0].front() == "n1");
    check_components(complete_grudge(c), c, nodes);
  }
  auto g = complete_grudge(halves(names(3)));
  CHECK(g.at("n1") == std::set<std::string>{"n2", "n3"});
  CHECK(g.at("n2") == std::set<std::string>{"n1"});
  CHECK(g.at("n3") == std::set<std::string>{"n1"});
}

TEST_CASE("random halves are seeded partitions of every node") {
  for (int n : {3, 5, 7}) {
    auto nodes = names(n);
    std::set<std::vector<std::string>> firsts;
    for (uint64_t seed = 0; seed < 64; ++seed) {
      INFO("seed " << seed);
      auto c = random_halves(nodes, seed);
      CHECK(c == random_halves(nodes, seed));  // deterministic
      CHECK(total(c) == nodes.size());
      CHECK(c[0].size() == static_cast<size_t>(n / 2));
      check_components(complete_grudge(c), c, nodes);
      firsts.insert(c[0]);
    }
    CHECK(firsts.size() > 1);  // the seed matters
  }
}

TEST_CASE("isolate cuts exactly one node off") {
  for (int n : {3, 5, 7}) {
    auto nodes = names(n);
    for (const auto& x : nodes) {
      auto c = isolate(nodes, x);
      CHECK(c[0] == std::vector<std::string>{x});
      CHECK(c[1].size() == nodes.size() - 1);
      check_components(complete_grudge(c), c, nodes);
    }
  }
  CHECK_THROWS_AS(isolate(names(3), "n9"), std::invalid_argument);
}

TEST_CASE("majority vs minority: strict minority, seeded") {
  for (int n : {3, 5, 7}) {
    auto nodes = names(n);
    for (uint64_t seed = 0; seed < 32; ++seed) {
      auto c = majority_minority(nodes, seed);
      CHECK(c[0].size() == static_cast<size_t>((n - 1) / 2));
      CHECK(c[1].size() > static_cast<size_t>(n / 2));
      CHECK(c == majority_minority(nodes, seed));
      check_components(complete_grudge(c), c, nodes);
    }
  }
}

TEST_CASE("bridge: two halves that both reach the bridge node") {
  for (int n : {3, 5, 7}) {
    auto nodes = names(n);
    auto g = bridge(nodes);
    auto h = halves(nodes);
    const std::string br = h[1].front();
    auto side = [&](const std::string& x) {
      return std::find(h[0].begin(), h[0].end(), x) != h[0].end() ? 0 : 1;
    };
    for (const auto& a : nodes)
      for (const auto& b : nodes) {
        INFO(a << " -> " << b);
        bool expect = a == br || b == br || side(a) == side(b);
        CHECK(delivers(g, a, b) == expect);
      }
    CHECK(g.at(br).empty());
  }
  CHECK_THROWS_AS(bridge(names(2)), std::invalid_argument);
}

TEST_CASE("majorities ring: everyone sees a majority, neighbours see different ones") {
  for (int n : {4, 5, 6, 7}) {
    auto nodes = names(n);
    for (uint64_t seed = 0; seed < 16; ++seed) {
      INFO("n=" << n << " seed " << seed);
      auto g = majorities_ring(nodes, seed);
      CHECK(g == majorities_ring(nodes, seed));
      std::set<std::set<std::string>> views;
      for (const auto& a : nodes) {
        std::set<std::string> sees;
        for (const auto& b : nodes) {
          CHECK(delivers(g, a, b) == delivers(g, b, a));  // symmetric
          if (delivers(g, b, a)) sees.insert(b);
        }
        CHECK(sees.count(a) == 1);
        CHECK(sees.size() >= static_cast<size_t>(n / 2 + 1));
        CHECK(sees.size() < nodes.size());  // it is a partition
        views.insert(sees);
      }
      CHECK(views.size() == nodes.size());  // no two nodes share a view
    }
  }
  CHECK_THROWS_AS(majorities_ring(names(3), 1), std::invalid_argument);
}

TEST_CASE("one-way drops a->b only") {
  for (int n : {3, 5, 7}) {
    auto nodes = names(n);
    auto g = one_way(nodes, "n1", "n2");
    for (const auto& a : nodes)
      for (const auto& b : nodes) CHECK(delivers(g, a, b) == !(a == "n1" && b == "n2"));
  }
  CHECK_THROWS_AS(one_way(names(3), "n1", "n1"), std::invalid_argument);
}

TEST_CASE("primaries apart from the rest") {
  auto nodes = names(5);
  auto c = primaries_apart(nodes, {"n4", "n2"});
  CHECK(c[0] == std::vector<std::string>{"n2", "n4"});
  check_components(complete_grudge(c), c, nodes);
  CHECK_THROWS_AS(primaries_apart(nodes, {}), std::invalid_argument);
  CHECK_THROWS_AS(primaries_apart(nodes, nodes), std::invalid_argument);
}

TEST_CASE("grudge maps parse, round-trip and are validated") {
  auto nodes = names(3);
  auto g = parse_grudge("n1:n2,n3; n2:n1", nodes);
  CHECK(g.at("n1") == std::set<std::string>{"n2", "n3"});
  CHECK(g.at("n2") == std::set<std::string>{"n1"});
  CHECK(g.at("n3").empty());
  CHECK(format_grudge(g) == "n1:n2,n3;n2:n1");
  CHECK(parse_grudge(format_grudge(g), nodes) == g);
  CHECK_THROWS_AS(parse_grudge("n1:n9", nodes), std::invalid_argument);
  CHECK_THROWS_AS(parse_grudge("n1:n1", nodes), std::invalid_argument);
  CHECK_THROWS_AS(parse_grudge("n1", nodes), std::invalid_argument);
  CHECK_THROWS_AS(complete_grudge({{"n1"}, {"n1"}}), std::invalid_argument);
}

TEST_CASE("no shape makes a node drop itself") {
  for (int n : {3, 5, 7}) {
    auto nodes = names(n);
    std::vector<Grudge> gs{complete_grudge(halves(nodes)), bridge(nodes),
                           complete_grudge(majority_minority(nodes, 3)), one_way(nodes, "n2", "n3")};
    if (n >= 4) gs.push_back(majorities_ring(nodes, 5));
    for (const auto& g : gs)
      for (const auto& [node, from] : g) CHECK(from.count(node) == 0);
  }
}
