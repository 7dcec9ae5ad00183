// Cycle search and classification (Elle section 4.4, Adya's phenomena).
//
// Three tiers of edges: data dependencies (ww, wr, rw); plus process order ("-process" variants,
// strong session models); plus real-time order ("-realtime" variants, strict models). In each
// tier the graph is split into strongly connected components (Tarjan); inside each cyclic
// component the classes are tried strongest first and the first class found is reported, with
// a shortest cycle of that shape:
//   G0              only ww (plus the tier's order edges)
//   G1c             ww and wr
//   G-single        exactly one rw
//   G-nonadjacent   several rw, no two consecutive
//   G2-item         any rw
// A cycle of tier t > 0 must use an edge of that tier's own kind, so it is not a lower-tier
// cycle reported twice. Every found cycle is re-classified from its actual edges.
#include <algorithm>

#include "dependency_graph.h"
#include "faultline/checker/graph/csr_digraph.h"

namespace faultline::checker::txn {

namespace {

std::string classify(const DepGraph& g, const std::vector<uint32_t>& cyc) {
  int rw = 0;
  bool wr = false, proc = false, rt = false, adjacent = false;
  for (size_t i = 0; i < cyc.size(); ++i) {
    const uint8_t t = g.type[cyc[i]];
    const uint8_t next = g.type[cyc[(i + 1) % cyc.size()]];
    if (t == kRW) {
      ++rw;
      if (next == kRW && cyc.size() > 1) adjacent = true;
    }
    wr |= t == kWR;
    proc |= t == kProcess;
    rt |= t == kRealtime;
  }
  std::string name = rw == 0 ? (wr ? "G1c" : "G0")
                     : rw == 1 ? "G-single"
                     : adjacent ? "G2-item"
                                : "G-nonadjacent";
  if (rt) return name + "-realtime";
  if (proc) return name + "-process";
  return name;
}

class CycleSearch {
 public:
  CycleSearch(const TxnHistory& th, const DepGraph& g, int64_t budget, Findings& out)
      : th_(th), g_(g), budget_(budget), out_(out),
        csr_(graph::CsrDigraph::build(g.num_txns, g.src.data(), g.dst.data(), g.size(),
                                      [](size_t) { return true; })),
        scc_(g.num_txns), comp_(g.num_txns, 0), sub_comp_(g.num_txns, 0),
        in_set_(g.num_txns, 0), bfs_(g.num_txns) {}

  bool run() {
    uint8_t present = 0;
    for (uint8_t t : g_.type) present |= t;
    run_tier(kWW | kWR | kRW, 0);
    if (present & kProcess) run_tier(kWW | kWR | kRW | kProcess, kProcess);
    if (present & kRealtime) run_tier(kWW | kWR | kRW | kProcess | kRealtime, kRealtime);
    return !exhausted_;
  }

 private:
  void run_tier(uint8_t mask, uint8_t extra) {
    std::vector<uint32_t> all(g_.num_txns);
    for (uint32_t i = 0; i < g_.num_txns; ++i) all[i] = i;
    auto edge_ok = [&](uint32_t e) { return (g_.type[e] & mask) != 0; };
    auto node_ok = [](uint32_t) { return true; };
    const uint32_t nc = graph::strongly_connected_components(csr_, all, node_ok, edge_ok, scc_, comp_);
    for (auto& c : graph::cyclic_components(csr_, all, comp_, nc, edge_ok)) {
      if (exhausted_) return;
      search_component(c, mask, extra);
    }
  }

  // Tries the classes strongest first inside one component.
  void search_component(const std::vector<uint32_t>& c, uint8_t mask, uint8_t extra) {
    ++stamp_;
    for (uint32_t u : c) in_set_[u] = stamp_;
    const uint8_t order_edges = mask & (kProcess | kRealtime);
    if (no_rw_class(c, kWW | order_edges, extra, kWW)) return;
    if (no_rw_class(c, kWW | kWR | order_edges, extra, kWR)) return;
    // Automaton states: bit 0 = an edge of the tier's own kind was used; bit 1 = last edge rw.
    const uint8_t plain = kWW | kWR | order_edges;
    auto single = [&](int st, uint32_t e) {
      const uint8_t t = g_.type[e];
      if (!(t & plain)) return -1;
      return st | ((t & extra) ? 1 : 0);
    };
    auto nonadjacent = [&](int st, uint32_t e) {
      const uint8_t t = g_.type[e];
      if (t == kRW) return (st & 2) ? -1 : ((st & 1) | 2);
      if (!(t & plain)) return -1;
      return (st & 1) | ((t & extra) ? 1 : 0);
    };
    auto any = [&](int st, uint32_t e) {
      const uint8_t t = g_.type[e];
      if (!(t & mask)) return -1;
      return st | ((t & extra) ? 1 : 0);
    };
    const bool need_extra = extra != 0;
    if (rw_class(c, single, 0, [&](int s) { return !need_extra || (s & 1); })) return;
    if (rw_class(c, nonadjacent, 2,
                 [&](int s) { return !(s & 2) && (!need_extra || (s & 1)); }))
      return;
    rw_class(c, any, 0, [&](int s) { return !need_extra || (s & 1); });
  }

  // G0 / G1c: sub-components over `allowed`; in each, a shortest cycle through a designated
  // edge (one of the tier's own kind, or of kind `prefer` in tier 0).
  bool no_rw_class(const std::vector<uint32_t>& c, uint8_t allowed, uint8_t extra,
                   uint8_t prefer) {
    const uint32_t st = stamp_;
    auto node_ok = [&](uint32_t v) { return in_set_[v] == st; };
    auto edge_ok = [&](uint32_t e) { return (g_.type[e] & allowed) != 0; };
    const uint32_t nc = graph::strongly_connected_components(csr_, c, node_ok, edge_ok, scc_, sub_comp_);
    bool found = false;
    for (auto& s : graph::cyclic_components(csr_, c, sub_comp_, nc, edge_ok)) {
      const uint32_t sc = sub_comp_[s[0]];
      uint32_t designated = graph::kNone;
      for (uint32_t u : s) {
        for (uint32_t i = csr_.begin(u); i < csr_.end(u); ++i) {
          const uint32_t e = csr_.edge_ids[i];
          const uint32_t v = csr_.targets[i];
          if (!edge_ok(e) || !node_ok(v) || sub_comp_[v] != sc) continue;
          const uint8_t want = extra ? extra : prefer;
          if (g_.type[e] & want) { designated = e; break; }
          if (!extra && designated == graph::kNone) designated = e;
        }
        if (designated != graph::kNone && (g_.type[designated] & (extra ? extra : prefer))) break;
      }
      if (designated == graph::kNone) continue;
      auto in_sub = [&](uint32_t v) { return node_ok(v) && sub_comp_[v] == sc; };
      auto step = [&](int, uint32_t e) { return edge_ok(e) ? 0 : -1; };
      auto path = bfs_.shortest_path(csr_, g_.dst[designated], 0, g_.src[designated], in_sub,
                                     step, [](int) { return true; }, budget_);
      if (budget_ < 0) { exhausted_ = true; return found; }
      if (!bfs_.found()) continue;
      path.insert(path.begin(), designated);
      report(path);
      found = true;
    }
    return found;
  }

  // Classes with rw edges: for each rw edge a->b inside the component, a shortest path b ~> a
  // in the automaton; the first cycle found is reported.
  template <class Step, class Accept>
  bool rw_class(const std::vector<uint32_t>& c, Step step, int start, Accept accept) {
    const uint32_t st = stamp_;
    auto node_ok = [&](uint32_t v) { return in_set_[v] == st; };
    for (uint32_t u : c) {
      for (uint32_t i = csr_.begin(u); i < csr_.end(u); ++i) {
        const uint32_t e = csr_.edge_ids[i];
        if (g_.type[e] != kRW || !node_ok(csr_.targets[i])) continue;
        auto path = bfs_.shortest_path(csr_, g_.dst[e], start, g_.src[e], node_ok, step,
                                       accept, budget_);
        if (budget_ < 0) { exhausted_ = true; return false; }
        if (!bfs_.found()) continue;
        path.insert(path.begin(), e);
        report(path);
        return true;
      }
    }
    return false;
  }

  void report(const std::vector<uint32_t>& cyc) {
    Finding f;
    f.type = classify(g_, cyc);
    if (!out_.wants(f.type)) { out_.add(std::move(f)); return; }
    f.cycle_edges = cyc;
    for (uint32_t e : cyc) f.txns.push_back(g_.src[e]);
    std::string text;
    for (uint32_t e : cyc) text += explain_edge(th_, g_, e) + ". ";
    f.explanation = text + "These dependencies form a cycle: " + f.type + ".";
    out_.add(std::move(f));
  }

  const TxnHistory& th_;
  const DepGraph& g_;
  int64_t budget_;
  Findings& out_;
  graph::CsrDigraph csr_;
  graph::SccScratch scc_;
  std::vector<uint32_t> comp_, sub_comp_, in_set_;
  graph::StateBfs bfs_;
  uint32_t stamp_ = 0;
  bool exhausted_ = false;
};

}  // namespace

void find_cycles(const TxnHistory& th, const DepGraph& g, int64_t budget_edges, Findings& out,
                 bool& incomplete) {
  CycleSearch s(th, g, budget_edges, out);
  incomplete = !s.run();
}

}  // namespace faultline::checker::txn
