// CsrDigraph: a compact directed graph for the dependency-graph checkers (transactional and
// causal), built once from parallel src/dst arrays and then only read.
//
// Nodes are dense uint32 ids [0, num_nodes). Each stored edge keeps the caller's edge id, so
// the caller keeps edge attributes (type, key, provenance) in its own flat arrays and no edge is
// a heap object. Memory: 4(n+1) + 8m bytes.
//
// Algorithms (all iterative, no recursion, so a million-node history cannot overflow the stack):
//  - strongly_connected_components: Tarjan over a node subset and an edge filter;
//  - StateBfs: shortest path between two nodes in the product of the graph with a small
//    automaton (<= 4 states), used to find shortest cycles of a given anomaly shape.
// Contract: filters are pure functions of (edge id) / (state, edge id); results are
// deterministic for a given graph and filter.
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "faultline/core/assert.h"

namespace faultline::checker::graph {

inline constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

struct CsrDigraph {
  uint32_t num_nodes = 0;
  std::vector<uint32_t> offsets;   // num_nodes + 1
  std::vector<uint32_t> targets;   // per stored edge
  std::vector<uint32_t> edge_ids;  // caller's id of each stored edge

  uint32_t begin(uint32_t u) const { return offsets[u]; }
  uint32_t end(uint32_t u) const { return offsets[u + 1]; }
  size_t num_edges() const { return targets.size(); }

  // Builds from edges i in [0, m) with keep(i) true; edge i goes src[i] -> dst[i].
  template <class Keep>
  static CsrDigraph build(uint32_t n, const uint32_t* src, const uint32_t* dst, size_t m,
                          Keep keep) {
    CsrDigraph g;
    g.num_nodes = n;
    g.offsets.assign(static_cast<size_t>(n) + 1, 0);
    size_t kept = 0;
    for (size_t i = 0; i < m; ++i) {
      if (!keep(i)) continue;
      FL_ASSERT(src[i] < n && dst[i] < n);
      ++g.offsets[src[i] + 1];
      ++kept;
    }
    FL_ASSERT(kept < kNone);
    for (uint32_t u = 0; u < n; ++u) g.offsets[u + 1] += g.offsets[u];
    g.targets.resize(kept);
    g.edge_ids.resize(kept);
    std::vector<uint32_t> fill(g.offsets.begin(), g.offsets.end() - 1);
    for (size_t i = 0; i < m; ++i) {
      if (!keep(i)) continue;
      const uint32_t at = fill[src[i]]++;
      g.targets[at] = dst[i];
      g.edge_ids[at] = static_cast<uint32_t>(i);
    }
    return g;
  }
};

// Tarjan's SCC over `nodes` (a subset of g's nodes), following only edges with edge_ok(edge id)
// whose target has node_ok(target). Writes a component id into comp[u] for every u in nodes
// (other entries untouched) and returns the number of components. Components with more than
// one node, or one node with a kept self-loop, are the cyclic ones; see cyclic_components.
// Scratch arrays must have size g.num_nodes; index[] must be kNone for the nodes on entry and
// is restored to kNone on exit, so one scratch serves many calls.
struct SccScratch {
  std::vector<uint32_t> index, low, stack, call_node, call_edge;
  std::vector<uint8_t> on_stack;
  explicit SccScratch(uint32_t n) : index(n, kNone), low(n, 0), on_stack(n, 0) {}
};

template <class NodeOk, class EdgeOk>
uint32_t strongly_connected_components(const CsrDigraph& g, const std::vector<uint32_t>& nodes,
                                       NodeOk node_ok, EdgeOk edge_ok, SccScratch& s,
                                       std::vector<uint32_t>& comp) {
  uint32_t next_index = 0;
  uint32_t num_comps = 0;
  s.stack.clear();
  for (uint32_t root : nodes) {
    if (s.index[root] != kNone) continue;
    s.call_node.clear();
    s.call_edge.clear();
    s.call_node.push_back(root);
    s.call_edge.push_back(g.begin(root));
    s.index[root] = s.low[root] = next_index++;
    s.stack.push_back(root);
    s.on_stack[root] = 1;
    while (!s.call_node.empty()) {
      const uint32_t u = s.call_node.back();
      uint32_t& ei = s.call_edge.back();
      bool descended = false;
      while (ei < g.end(u)) {
        const uint32_t at = ei++;
        const uint32_t v = g.targets[at];
        if (!edge_ok(g.edge_ids[at]) || !node_ok(v)) continue;
        if (s.index[v] == kNone) {
          s.index[v] = s.low[v] = next_index++;
          s.stack.push_back(v);
          s.on_stack[v] = 1;
          s.call_node.push_back(v);
          s.call_edge.push_back(g.begin(v));
          descended = true;
          break;
        }
        if (s.on_stack[v] && s.index[v] < s.low[u]) s.low[u] = s.index[v];
      }
      if (descended) continue;
      if (s.low[u] == s.index[u]) {
        uint32_t w;
        do {
          w = s.stack.back();
          s.stack.pop_back();
          s.on_stack[w] = 0;
          comp[w] = num_comps;
        } while (w != u);
        ++num_comps;
      }
      s.call_node.pop_back();
      s.call_edge.pop_back();
      if (!s.call_node.empty()) {
        const uint32_t parent = s.call_node.back();
        if (s.low[u] < s.low[parent]) s.low[parent] = s.low[u];
      }
    }
  }
  for (uint32_t u : nodes) s.index[u] = kNone;
  return num_comps;
}

// Groups `nodes` by comp[] and returns the cyclic components (size > 1, or a kept self-loop),
// each as a sorted node list.
template <class EdgeOk>
std::vector<std::vector<uint32_t>> cyclic_components(const CsrDigraph& g,
                                                     const std::vector<uint32_t>& nodes,
                                                     const std::vector<uint32_t>& comp,
                                                     uint32_t num_comps, EdgeOk edge_ok) {
  std::vector<uint32_t> size(num_comps, 0);
  for (uint32_t u : nodes) ++size[comp[u]];
  std::vector<uint32_t> slot(num_comps, kNone);
  std::vector<std::vector<uint32_t>> out;
  for (uint32_t u : nodes) {
    const uint32_t c = comp[u];
    bool cyclic = size[c] > 1;
    if (!cyclic) {
      for (uint32_t e = g.begin(u); e < g.end(u); ++e)
        if (g.targets[e] == u && edge_ok(g.edge_ids[e])) cyclic = true;
    }
    if (!cyclic) continue;
    if (slot[c] == kNone) {
      slot[c] = static_cast<uint32_t>(out.size());
      out.emplace_back();
    }
    out[slot[c]].push_back(u);
  }
  return out;
}

// Breadth-first search in the product of g with an automaton of at most kStates states.
// step(state, edge id) returns the next state, or -1 when the edge may not be taken in `state`.
// Finds a shortest path from (from, start_state) to (to, s) with accept(s), moving only through
// nodes with node_ok. Returns the edge ids along the path, or an empty vector (check found()).
// `budget` counts edge relaxations left and is decremented; the search stops at 0.
class StateBfs {
 public:
  static constexpr int kStates = 4;
  explicit StateBfs(uint32_t n)
      : stamp_(static_cast<size_t>(n) * kStates, 0), parent_edge_(stamp_.size()),
        parent_state_(stamp_.size()) {}

  template <class NodeOk, class Step, class Accept>
  std::vector<uint32_t> shortest_path(const CsrDigraph& g, uint32_t from, int start_state,
                                      uint32_t to, NodeOk node_ok, Step step, Accept accept,
                                      int64_t& budget) {
    found_ = false;
    ++epoch_;
    if (epoch_ == 0) {
      std::fill(stamp_.begin(), stamp_.end(), 0);
      epoch_ = 1;
    }
    queue_.clear();
    const uint64_t s0 = slot(from, start_state);
    stamp_[s0] = epoch_;
    parent_edge_[s0] = kNone;
    queue_.push_back(s0);
    for (size_t head = 0; head < queue_.size(); ++head) {
      const uint64_t cur = queue_[head];
      const uint32_t u = static_cast<uint32_t>(cur / kStates);
      const int st = static_cast<int>(cur % kStates);
      for (uint32_t e = g.begin(u); e < g.end(u); ++e) {
        if (--budget < 0) return {};
        const uint32_t v = g.targets[e];
        if (!node_ok(v)) continue;
        const int ns = step(st, g.edge_ids[e]);
        if (ns < 0) continue;
        const uint64_t nx = slot(v, ns);
        if (stamp_[nx] == epoch_) continue;
        stamp_[nx] = epoch_;
        parent_edge_[nx] = g.edge_ids[e];
        parent_state_[nx] = static_cast<uint32_t>(cur);
        if (v == to && accept(ns)) return unwind(nx, s0);
        queue_.push_back(nx);
      }
    }
    return {};
  }
  bool found() const { return found_; }

 private:
  static uint64_t slot(uint32_t node, int state) {
    return static_cast<uint64_t>(node) * kStates + static_cast<uint64_t>(state);
  }
  std::vector<uint32_t> unwind(uint64_t at, uint64_t start) {
    std::vector<uint32_t> path;
    while (at != start) {
      path.push_back(parent_edge_[at]);
      at = parent_state_[at];
    }
    std::reverse(path.begin(), path.end());
    found_ = true;
    return path;
  }

  std::vector<uint32_t> stamp_;
  std::vector<uint32_t> parent_edge_;
  std::vector<uint32_t> parent_state_;
  std::vector<uint64_t> queue_;
  uint32_t epoch_ = 0;
  bool found_ = false;
};

}  // namespace faultline::checker::graph
