// Report sections: linearizability counterexamples, transactional cycles, performance
// (internal; sections.h).
#include <optional>

#include <fmt/format.h>

#include "faultline/checker/model.h"
#include "faultline/checker/model_registry.h"
#include "faultline/reports/cycle_svg.h"
#include "faultline/reports/escape.h"
#include "faultline/reports/plots.h"
#include "sections.h"

namespace faultline::reports::detail {

namespace {

constexpr size_t kShownSteps = 40;
constexpr size_t kShownPrefixes = 4;

// The model's state after each op of `order` (history indexes) from the initial state, and
// whether `failing` can follow the end of it. Empty when the model is unknown or an op does not
// compile (the witness's final state is shown instead).
struct Replay {
  std::vector<std::pair<Json, Json>> states;  // (before, after) per step; after null = illegal
  std::optional<Json> failing_before;         // state the failing op was tried in
  bool failing_legal = false;
  bool ok = false;
};

Replay replay(const Ctx& c, const Json& order, int64_t failing) {
  Replay r;
  auto model = c.model.empty() ? nullptr : checker::make_model(c.model);
  if (!model) return r;
  checker::ValueInterner values;
  std::vector<std::optional<checker::CompiledOp>> ops;
  auto compile = [&](int64_t index) -> std::optional<checker::CompiledOp> {
    const int64_t p = c.pos(index);
    if (p < 0) return std::nullopt;
    const Op& inv = c.h[static_cast<size_t>(p)];
    const int64_t cp = c.h.completion(static_cast<size_t>(p));
    const Op* ok = cp >= 0 && c.h[static_cast<size_t>(cp)].type == OpType::Ok ? &c.h[static_cast<size_t>(cp)] : nullptr;
    return model->compile(inv, ok, values);
  };
  try {
    for (const auto& x : order) ops.push_back(compile(x.get<int64_t>()));
    ops.push_back(failing >= 0 ? compile(failing) : std::nullopt);
  } catch (const std::exception&) {
    return r;
  }
  auto m = model->machine(values);
  checker::State s = m->init();
  for (size_t i = 0; i + 1 < ops.size(); ++i) {
    Json before = m->describe(s);
    checker::State next = s;
    if (ops[i] && !m->step(s, *ops[i], next)) {
      r.states.emplace_back(before, Json());
      return r;  // the prefix does not replay (should not happen): show what we have
    }
    s = next;
    r.states.emplace_back(std::move(before), m->describe(s));
  }
  r.failing_before = m->describe(s);
  checker::State next = s;
  r.failing_legal = ops.back() && m->step(s, *ops.back(), next);
  r.ok = true;
  return r;
}

void state_cell(std::string& out, const Json& s) {
  out += "<td class=\"state\">";
  append_html_escaped(out, s.is_null() || s == "" ? "nil" : display_value(s, 120));
  out += "</td>";
}

void lin_prefix(std::string& out, const Ctx& c, const Json& prefix, int64_t failing, size_t n) {
  const Json order = prefix.value("order", Json::array());
  const Replay r = replay(c, order, failing);
  out += fmt::format("<details class=\"prefix\"{}><summary>prefix {}: {} ops linearized, state then ",
                     n == 0 ? " open" : "", n + 1, order.size());
  append_html_escaped(out, display_value(prefix.value("state", Json()), 120));
  out += "</summary><table class=\"steps\"><tr><th>#</th><th>op</th><th>state before</th><th>state after</th></tr>";
  const size_t from = order.size() > kShownSteps ? order.size() - kShownSteps : 0;
  if (from > 0) out += fmt::format("<tr><td colspan=\"4\" class=\"elided\">… {} earlier steps</td></tr>", from);
  for (size_t i = from; i < order.size(); ++i) {
    const int64_t idx = order[i].get<int64_t>();
    out += fmt::format("<tr><td>{0}</td><td><a class=\"oplink\" href=\"#op-{1}\" data-ops=\"{1}\">op {1}</a> ", i + 1, idx);
    append_html_escaped(out, c.describe_op(idx));
    out += "</td>";
    if (r.ok || i < r.states.size()) {
      state_cell(out, r.states[i].first);
      state_cell(out, r.states[i].second);
    } else {
      out += "<td class=\"state\">–</td><td class=\"state\">–</td>";
    }
    out += "</tr>";
  }
  if (failing >= 0) {
    out += fmt::format("<tr class=\"failing\"><td>✗</td><td><a class=\"oplink\" href=\"#op-{0}\" data-ops=\"{0}\">op {0}</a> ", failing);
    append_html_escaped(out, c.describe_op(failing));
    out += "</td>";
    state_cell(out, r.failing_before ? *r.failing_before : prefix.value("state", Json()));
    out += r.ok && !r.failing_legal ? "<td class=\"state illegal\">cannot be placed (illegal in this state)</td>"
                                    : "<td class=\"state illegal\">cannot be placed here</td>";
    out += "</tr>";
  }
  out += "</table></details>";
}

}  // namespace

void section_linearizability(std::string& out, const Ctx& c, const std::vector<Anomaly>& as) {
  bool any = false;
  for (const Anomaly& a : as) any |= a.lin.is_object();
  if (!any) return;
  out += "<section id=\"linearizability\"><h2>Linearizability counterexample</h2>"
         "<p>The checker's longest linearizable prefixes (each a different final state), and the "
         "op that cannot be placed after any of them. States come from replaying the model";
  if (!c.model.empty()) out += " (" + html_escape(c.model) + ")";
  out += ".</p>";
  size_t shown = 0;
  for (const Anomaly& a : as) {
    if (!a.lin.is_object() || ++shown > 8) continue;
    const Json& l = a.lin;
    const int64_t failing = l.contains("op") && l["op"].is_number_integer() ? l["op"].get<int64_t>() : -1;
    out += "<div class=\"lin\"><h3>";
    if (l.contains("key") && !l["key"].is_null()) out += "key " + html_escape(display_value(l["key"], 60)) + ": ";
    if (failing >= 0) out += fmt::format("<a class=\"oplink\" href=\"#op-{0}\" data-ops=\"{0}\">op {0}</a> cannot be placed", failing);
    else out += "no linearizable order";
    out += "</h3>";
    if (failing >= 0) out += "<p class=\"opdesc\">" + html_escape(c.describe_op(failing)) + "</p>";
    const Json prefixes = l.value("prefixes", Json::array());
    for (size_t i = 0; i < prefixes.size() && i < kShownPrefixes; ++i) lin_prefix(out, c, prefixes[i], failing, i);
    if (prefixes.size() > kShownPrefixes)
      out += fmt::format("<p>… and {} more prefixes in results.json.</p>", prefixes.size() - kShownPrefixes);
    out += "</div>";
  }
  out += "</section>";
}

void section_cycles(std::string& out, const Ctx& c, const std::vector<Anomaly>& as) {
  bool any = false;
  for (const Anomaly& a : as) any |= a.steps.is_array() && !a.steps.empty();
  if (!any) return;
  out += "<section id=\"cycles\"><h2>Transactional cycles</h2>";
  size_t n = 0;
  for (const Anomaly& a : as) {
    if (!a.steps.is_array() || a.steps.empty() || ++n > 16) continue;
    out += "<div class=\"cycle\"><h3>";
    append_html_escaped(out, a.type);
    out += "</h3><p>";
    append_html_escaped(out, a.explanation);
    out += "</p><div class=\"cycle-body\"><table class=\"edges\"><tr><th>from</th><th>edge</th><th>to</th><th>why</th></tr>";
    for (const auto& st : a.steps) {
      const int64_t f = st.value("from", int64_t{-1}), t = st.value("to", int64_t{-1});
      out += fmt::format("<tr><td><a class=\"oplink\" href=\"#op-{0}\" data-ops=\"{0}\">T{0}</a></td><td class=\"edge e-", f);
      const std::string type = st.value("type", std::string("?"));
      append_html_escaped(out, type);
      out += "\">";
      append_html_escaped(out, type);
      if (st.contains("key")) out += " " + html_escape(display_value(st["key"], 40));
      out += fmt::format("</td><td><a class=\"oplink\" href=\"#op-{0}\" data-ops=\"{0}\">T{0}</a></td><td>", t);
      append_html_escaped(out, st.value("explanation", std::string()));
      out += "</td></tr>";
    }
    out += "</table><div class=\"graph\">";
    out += cycle_svg(a.steps, [&](int64_t idx) {
      const int64_t p = c.pos(idx);
      std::string label = "T" + std::to_string(idx);
      if (p >= 0) {
        const int64_t cp = c.h.completion(static_cast<size_t>(p));
        const Json& val = cp >= 0 ? c.h[static_cast<size_t>(cp)].value : c.h[static_cast<size_t>(p)].value;
        label += "\n" + display_value(val, 48);
      }
      return label;
    });
    out += "</div></div></div>";
  }
  out += "</section>";
}

void section_perf(std::string& out, const Ctx& c) {
  out += "<section id=\"perf\"><h2>Latency and throughput</h2><p>Fault windows are shaded red.</p>";
  const Json* perf = c.results.contains("checkers") && c.results["checkers"].contains("perf") &&
                            c.results["checkers"]["perf"].contains("latency_over_time")
                        ? &c.results["checkers"]["perf"] : nullptr;
  out += "<h3>Latency (completion time vs latency, log scale)</h3>" + latency_svg(c.h, c.v, perf);
  out += "<h3>Throughput (completions per second)</h3>" + throughput_svg(c.h, c.v);
  const Json ch = c.results.value("checkers", Json::object());
  const Json stats = ch.value("stats", Json::object()).value("by_f", Json::object());
  const Json lat = ch.value("perf", Json::object()).value("latency_ms", Json::object());
  out += "<h3>Per op type</h3><table class=\"num\"><tr><th>op</th><th>count</th><th>ok</th><th>fail</th>"
         "<th>info</th><th>pending</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>";
  for (const auto& [f, s] : stats.items()) {
    const Json l = lat.value(f, Json::object());
    out += "<tr><td>" + html_escape(f) + "</td>";
    for (const char* k : {"count", "ok", "fail", "info", "pending"}) out += fmt::format("<td>{}</td>", s.value(k, 0));
    for (const char* k : {"p50", "p95", "p99", "max"}) out += fmt::format("<td>{:g}</td>", l.value(k, 0.0));
    out += "</tr>";
  }
  out += "</table>";
  const Json av = ch.value("availability", Json::object());
  auto share = [](const Json& j) {
    return j.is_object() && j.contains("ok_share") && j["ok_share"].is_number()
               ? fmt::format("{:.1f}% ({} of {})", j["ok_share"].get<double>() * 100, j.value("ok", 0), j.value("completed", 0))
               : std::string("–");
  };
  out += "<h3>Availability (share of completed ops that were ok)</h3><table class=\"num\"><tr><th>when</th><th>ok share</th></tr>";
  out += "<tr><td>outside faults</td><td>" + share(av.value("outside_faults", Json())) + "</td></tr>";
  for (const auto& w : av.value("in_faults", Json::array())) {
    out += "<tr><td>" + html_escape(display_value(w.value("kind", Json("fault")), 40));
    out += fmt::format(" {:.2f}s–{:.2f}s</td><td>", w.value("start_s", 0.0), w.value("end_s", 0.0)) + share(w) + "</td></tr>";
  }
  out += "</table></section>";
}

}  // namespace faultline::reports::detail
