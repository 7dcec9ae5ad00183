// Cycle diagrams through cgraph + gvc (see cycle_svg.h).
#include "faultline/reports/cycle_svg.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <mutex>

namespace faultline::reports {

namespace {

char* c(const char* s) { return const_cast<char*>(s); }

const char* edge_colour(const std::string& t) {
  if (t == "rw") return "#c0392b";
  if (t == "wr") return "#2470b3";
  if (t == "ww") return "#1e8449";
  return "#7f8c8d";
}

// Drops the XML prolog, the DOCTYPE and every comment (Graphviz writes node names into
// comments), keeping the <svg> element.
std::string inline_svg(const std::string& raw) {
  const size_t start = raw.find("<svg");
  if (start == std::string::npos) return {};
  std::string out;
  out.reserve(raw.size() - start);
  size_t i = start;
  while (i < raw.size()) {
    const size_t cm = raw.find("<!--", i);
    if (cm == std::string::npos) {
      out.append(raw, i, std::string::npos);
      break;
    }
    out.append(raw, i, cm - i);
    const size_t end = raw.find("-->", cm + 4);
    if (end == std::string::npos) break;
    i = end + 3;
  }
  return out;
}

}  // namespace

std::string cycle_svg(const nlohmann::json& steps, const std::function<std::string(int64_t)>& label_of) {
  // Graphviz keeps process-wide caches that outlive a context, so this file keeps one context
  // for the life of the process and renders one graph at a time.
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  static GVC_t* gvc = gvContext();
  if (!gvc || !steps.is_array() || steps.empty()) return {};
  Agraph_t* g = agopen(c("cycle"), Agdirected, nullptr);
  agattr(g, AGRAPH, c("rankdir"), c("LR"));
  agattr(g, AGRAPH, c("bgcolor"), c("transparent"));
  agattr(g, AGNODE, c("shape"), c("box"));
  agattr(g, AGNODE, c("style"), c("rounded"));
  agattr(g, AGNODE, c("fontname"), c("Helvetica"));
  agattr(g, AGNODE, c("fontsize"), c("11"));
  agattr(g, AGNODE, c("label"), c("\\N"));
  agattr(g, AGNODE, c("URL"), c(""));
  agattr(g, AGEDGE, c("label"), c(""));
  agattr(g, AGEDGE, c("color"), c("black"));
  agattr(g, AGEDGE, c("fontcolor"), c("black"));
  agattr(g, AGEDGE, c("fontname"), c("Helvetica"));
  agattr(g, AGEDGE, c("fontsize"), c("10"));
  auto node = [&](const nlohmann::json& idx) {
    const int64_t i = idx.is_number_integer() ? idx.get<int64_t>() : -1;
    std::string name = "op" + std::to_string(i);
    Agnode_t* n = agnode(g, name.data(), 1);
    std::string label = label_of(i), url = "#op-" + std::to_string(i);
    agsafeset(n, c("label"), label.data(), c(""));
    agsafeset(n, c("URL"), url.data(), c(""));
    return n;
  };
  for (const auto& st : steps) {
    if (!st.is_object() || !st.contains("from") || !st.contains("to")) continue;
    Agnode_t* a = node(st["from"]);
    Agnode_t* b = node(st["to"]);
    Agedge_t* e = agedge(g, a, b, nullptr, 1);
    std::string type = st.value("type", std::string("?"));
    std::string label = type;
    if (st.contains("key") && !st["key"].is_null())
      label += " " + (st["key"].is_string() ? st["key"].get<std::string>() : st["key"].dump());
    agsafeset(e, c("label"), label.data(), c(""));
    agsafeset(e, c("color"), c(edge_colour(type)), c(""));
    agsafeset(e, c("fontcolor"), c(edge_colour(type)), c(""));
  }
  std::string svg;
  if (gvLayout(gvc, g, "dot") == 0) {
    char* data = nullptr;
    unsigned int len = 0;
    if (gvRenderData(gvc, g, "svg", &data, &len) == 0 && data) svg = inline_svg(std::string(data, len));
    gvFreeRenderData(data);
    gvFreeLayout(gvc, g);
  }
  agclose(g);
  return svg;
}

}  // namespace faultline::reports
