// Graphviz diagram of a transactional anomaly's cycle, laid out and rendered in-process through
// the Graphviz library (cgraph + gvc, the "dot" layout engine; the `dot` binary is never run).
//
// `steps` is the anomaly's edge list as the transactional checker reports it:
// [{"from": op index, "to": op index, "type": "ww"|"wr"|"rw"|"process"|"realtime", "key"?}].
// `label_of(index)` gives each node's text (e.g. "T12 append x 3"). Every node links to
// "#op-<index>" (the report's JS turns that into a timeline jump). Returns an <svg> element fit
// for inlining into HTML (no XML prolog, DOCTYPE or comments; Graphviz escapes label text), or ""
// when Graphviz fails. Thread-safe: one Graphviz context for the process, renders serialized.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace faultline::reports {

std::string cycle_svg(const nlohmann::json& steps, const std::function<std::string(int64_t)>& label_of);

}  // namespace faultline::reports
