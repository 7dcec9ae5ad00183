// Plain-text explanations of dependency edges and Graphviz SVG drawings of cycles.
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <algorithm>
#include <mutex>
#include <string>

#include "dependency_graph.h"

namespace faultline::checker::txn {

const char* edge_type_name(uint8_t t) {
  switch (t) {
    case kWW: return "ww";
    case kWR: return "wr";
    case kRW: return "rw";
    case kProcess: return "process";
    case kRealtime: return "realtime";
  }
  return "?";
}

namespace {

// Does any known read of key k include value v? (Only asked for the edges of reported cycles.)
bool observed(const TxnHistory& th, uint32_t k, int64_t v) {
  for (const Mop& m : th.mops) {
    if (m.kind != MopKind::Read || !m.known || m.key != k) continue;
    if (std::find(th.list(m), th.list(m) + m.list_len, v) != th.list(m) + m.list_len) return true;
  }
  return false;
}

std::string list_explanation(const TxnHistory& th, const DepGraph& g, uint32_t e) {
  const std::string a = txn_name(th, g.src[e]), b = txn_name(th, g.dst[e]);
  const Mop& ma = th.mops[g.mop_a[e]];
  const Mop& mb = th.mops[g.mop_b[e]];
  const std::string k = th.key_str(ma.key);
  const bool unobserved = g.type[e] != kWR && !observed(th, mb.key, mb.value);
  if (unobserved && g.type[e] == kWW) {
    return b + " appended " + th.value_str(mb.value) + " to " + k + " after " + a +
           "'s append of " + th.value_str(ma.value) + ": no read shows " +
           th.value_str(mb.value) + ", so it came after " + th.value_str(ma.value) +
           ", the highest element observed on " + k;
  }
  if (unobserved && g.type[e] == kRW) {
    return a + " read " + k + "=" + th.list_str(ma) + ", which does not include " + b +
           "'s append of " + th.value_str(mb.value) + "; no read shows " +
           th.value_str(mb.value) + ", so it came after every element " + a + " saw";
  }
  switch (g.type[e]) {
    case kWW:
      return b + " appended " + th.value_str(mb.value) + " to " + k + " right after " + a +
             "'s append of " + th.value_str(ma.value) + " (" + k +
             "'s version order comes from its longest read)";
    case kWR:
      return b + " read " + k + "=" + th.list_str(mb) + ", which includes " + a +
             "'s append of " + th.value_str(ma.value);
    case kRW:
      return a + " read " + k + "=" + th.list_str(ma) + ", which does not include " + b +
             "'s append of " + th.value_str(mb.value) + ", the next version of " + k;
  }
  return "";
}

std::string register_explanation(const TxnHistory& th, const DepGraph& g, uint32_t e) {
  const std::string a = txn_name(th, g.src[e]), b = txn_name(th, g.dst[e]);
  const Mop& ma = th.mops[g.mop_a[e]];
  const Mop& mb = th.mops[g.mop_b[e]];
  const std::string k = th.key_str(ma.key);
  switch (g.type[e]) {
    case kWW:
      return a + " wrote " + k + "=" + th.value_str(ma.value) + ", and " + b + " wrote " + k +
             "=" + th.value_str(mb.value) + " after reading that version";
    case kWR:
      return b + " read " + k + "=" + th.value_str(mb.value) + ", which " + a + " wrote";
    case kRW:
      if (ma.value == kNil)
        return a + " read " + k + "=nil (the initial state), which " + b +
               " overwrote with " + th.value_str(mb.value);
      return a + " read " + k + "=" + th.value_str(ma.value) + ", and " + b + " installed " + k +
             "=" + th.value_str(mb.value) + " as the next version after reading it";
  }
  return "";
}

}  // namespace

std::string explain_edge(const TxnHistory& th, const DepGraph& g, uint32_t e) {
  const uint32_t a = g.src[e], b = g.dst[e];
  switch (g.type[e]) {
    case kProcess:
      return txn_name(th, a) + " and " + txn_name(th, b) + " ran on process " +
             std::to_string(th.txns[a].process) + ", " + txn_name(th, a) + " first";
    case kRealtime:
      return txn_name(th, a) + " completed (history position " +
             std::to_string(th.txns[a].complete_pos) + ") before " + txn_name(th, b) +
             " was invoked (position " + std::to_string(th.txns[b].invoke_pos) + ")";
  }
  return th.model == TxnModel::ListAppend ? list_explanation(th, g, e)
                                          : register_explanation(th, g, e);
}

std::string render_cycle_svg(const TxnHistory& th, const DepGraph& g,
                             const std::vector<uint32_t>& cycle_edges) {
  // Graphviz keeps global state (its text-size cache outlives a context: freeing a GVC_t and
  // making another reads freed memory), so one context lives for the whole process and one
  // rendering runs at a time.
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  static GVC_t* gvc = gvContext();
  if (!gvc) return {};
  Agraph_t* gr = agopen(const_cast<char*>("cycle"), Agdirected, nullptr);
  agattr(gr, AGNODE, const_cast<char*>("shape"), const_cast<char*>("box"));
  agattr(gr, AGNODE, const_cast<char*>("fontname"), const_cast<char*>("Helvetica"));
  agattr(gr, AGEDGE, const_cast<char*>("label"), const_cast<char*>(""));
  agattr(gr, AGEDGE, const_cast<char*>("color"), const_cast<char*>("black"));
  agattr(gr, AGEDGE, const_cast<char*>("fontname"), const_cast<char*>("Helvetica"));
  auto node = [&](uint32_t t) {
    std::string name = txn_name(th, t);
    return agnode(gr, name.data(), 1);
  };
  for (uint32_t e : cycle_edges) {
    Agnode_t* a = node(g.src[e]);
    Agnode_t* b = node(g.dst[e]);
    Agedge_t* ed = agedge(gr, a, b, nullptr, 1);
    std::string label = edge_type_name(g.type[e]);
    if (g.mop_a[e] != kNoPos) label.append(" ").append(th.key_str(th.mops[g.mop_a[e]].key));
    agsafeset(ed, const_cast<char*>("label"), label.data(), const_cast<char*>(""));
    const char* color = g.type[e] == kRW ? "red" : g.type[e] == kWR ? "blue"
                        : g.type[e] == kWW ? "darkgreen" : "gray40";
    agsafeset(ed, const_cast<char*>("color"), const_cast<char*>(color), const_cast<char*>(""));
  }
  std::string svg;
  if (gvLayout(gvc, gr, "dot") == 0) {
    char* data = nullptr;
    unsigned int len = 0;
    if (gvRenderData(gvc, gr, "svg", &data, &len) == 0 && data) svg.assign(data, len);
    gvFreeRenderData(data);
    gvFreeLayout(gvc, gr);
  }
  agclose(gr);
  return svg;
}

}  // namespace faultline::checker::txn
