#include "faultline/checker/txn/check_transactional.h"

#include <chrono>
#include <stdexcept>

#include "dependency_graph.h"
#include "faultline/checker/txn/consistency_models.h"

namespace faultline::checker::txn {

TxnModel txn_model_from_string(const std::string& name) {
  if (name == "list-append") return TxnModel::ListAppend;
  if (name == "rw-register") return TxnModel::RwRegister;
  throw std::invalid_argument("unknown transactional model \"" + name +
                              "\" (use list-append or rw-register)");
}

namespace {

Json finding_json(const TxnHistory& th, const DepGraph& g, const Finding& f, bool svg) {
  Json j = {{"type", f.type}, {"explanation", f.explanation}};
  Json txns = Json::array();
  for (uint32_t t : f.txns) txns.push_back(th.txns[t].op_index);
  j["ops"] = txns;
  if (!f.cycle_edges.empty()) {
    Json steps = Json::array();
    for (uint32_t e : f.cycle_edges) {
      Json s = {{"from", th.txns[g.src[e]].op_index},
                {"to", th.txns[g.dst[e]].op_index},
                {"type", edge_type_name(g.type[e])},
                {"explanation", explain_edge(th, g, e)}};
      if (g.mop_a[e] != kNoPos) s["key"] = th.key_names[th.mops[g.mop_a[e]].key];
      steps.push_back(std::move(s));
    }
    j["steps"] = std::move(steps);
    if (svg) j["svg"] = render_cycle_svg(th, g, f.cycle_edges);
  }
  return j;
}

}  // namespace

CheckResult check_transactional(const History& history, const TxnCheckOptions& options) {
  if (!is_transactional_model(options.consistency)) {
    std::string names;
    for (const auto& n : transactional_model_names()) names += (names.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown consistency model \"" + options.consistency +
                                "\" (use one of: " + names + ")");
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto ms_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - t).count();
  };
  const TxnHistory th = TxnHistory::compile(history, options.model);
  const auto compile_ms = ms_since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  DepGraph g;
  g.reserve(th.mops.size() * 2 + th.txns.size() * 8);
  Findings findings(options.max_reported_per_type);
  if (options.model == TxnModel::ListAppend) {
    infer_list_append(th, g, findings);
  } else {
    infer_rw_register(th, g, findings, options.sequential_keys, options.linearizable_keys);
  }
  g.num_txns = static_cast<uint32_t>(th.txns.size());
  if (options.process_edges) add_process_edges(th, g);
  if (options.realtime_edges) add_realtime_edges(th, g, options.process_edges);
  const auto infer_ms = ms_since(t1);
  const auto t2 = std::chrono::steady_clock::now();
  bool incomplete = false;
  std::vector<uint32_t> order;
  find_cycles(th, g, options.cycle_search_budget, findings, incomplete, &order);

  const auto search_ms = ms_since(t2);
  CheckResult r;
  std::vector<std::string> types;
  Json counts = Json::object();
  for (const auto& [type, n] : findings.counts()) {
    types.push_back(type);
    counts[type] = n;
  }
  const ModelBoundary b = model_boundary(types);
  for (const Finding& f : findings.items())
    r.anomalies.push_back(finding_json(th, g, f, options.render_svg));
  r.witness = {{"anomaly_types", types},
               {"anomaly_counts", counts},
               {"not", b.weakest_impossible},
               {"also_not", Json::array()},
               {"possible", b.possible},
               {"strongest_possible", b.strongest_possible}};
  for (const auto& m : b.impossible)
    if (std::find(b.weakest_impossible.begin(), b.weakest_impossible.end(), m) ==
        b.weakest_impossible.end())
      r.witness["also_not"].push_back(m);
  if (!order.empty()) {
    // Committed and indeterminate txns only (aborted ones have no edges and did not happen).
    Json serial = Json::array();
    for (uint32_t t : order)
      if (th.txns[t].status != TxnStatus::Fail) serial.push_back(th.txns[t].op_index);
    r.witness["serial_order"] = std::move(serial);
  }
  const bool violated = std::find(b.impossible.begin(), b.impossible.end(),
                                  options.consistency) != b.impossible.end();
  if (violated) {
    r.verdict = Verdict::Invalid;
  } else if (!findings.input_errors().empty()) {
    r.verdict = Verdict::Unknown;
    r.reason = findings.input_errors().front();
    if (findings.input_errors().size() > 1)
      r.reason += " (and " + std::to_string(findings.input_errors().size() - 1) + " more)";
  } else if (incomplete) {
    r.verdict = Verdict::Unknown;
    r.reason = "cycle search budget of " + std::to_string(options.cycle_search_budget) +
               " edge visits ran out; no anomaly proscribed by " + options.consistency +
               " was found before that";
  } else {
    r.verdict = Verdict::Valid;
  }
  r.stats = {{"ops", th.txns.size()}, {"txns", th.txns.size()},
             {"micro_ops", th.mops.size()}, {"edges", g.size()},
             {"consistency", options.consistency}, {"compile_ms", compile_ms},
             {"inference_ms", infer_ms}, {"cycle_search_ms", search_ms},
             {"time_ms", ms_since(t0)}};
  return r;
}

}  // namespace faultline::checker::txn
