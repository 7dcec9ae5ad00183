// The transactional consistency-model hierarchy and which anomalies each model proscribes.
//
// Models (weakest to strongest), after Adya, Bailis et al., Cerone et al., Fekete et al. and
// jepsen.io/consistency:
//   read-uncommitted < read-committed < monotonic-atomic-view < {repeatable-read,
//   snapshot-isolation} < serializable < strong-session-serializable < strict-serializable
// "a < b" means every history satisfying b satisfies a.
//
// Proscribed anomalies (a model also proscribes everything its weaker models proscribe):
//   read-uncommitted     G0, and the nonsense no model allows: internal, garbage-read,
//                        duplicate-elements, incompatible-order, cyclic-versions, future-read
//   read-committed       G1a, G1b, G1c, dirty-update
//   monotonic-atomic-view  (nothing this checker can tell apart from read-committed)
//   repeatable-read      G2-item, G-single, G-nonadjacent (every item anti-dependency cycle),
//                        lost-update
//   snapshot-isolation   G-single, G-nonadjacent (Fekete et al. 2005: every SI cycle has two
//                        consecutive rw edges), lost-update
//   serializable         every cycle
//   strong-session-serializable  every "-process" cycle variant
//   strict-serializable  every "-realtime" cycle variant
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace faultline::checker::txn {

// All model names, weakest first.
const std::vector<std::string>& transactional_model_names();
bool is_transactional_model(std::string_view name);

struct ModelBoundary {
  std::vector<std::string> impossible;          // every model the anomalies rule out
  std::vector<std::string> weakest_impossible;  // Elle's :not
  std::vector<std::string> possible;
  std::vector<std::string> strongest_possible;  // possible models no other possible one implies
};

// Models ruled out by a set of anomaly type names (unknown names rule out nothing).
ModelBoundary model_boundary(const std::vector<std::string>& anomaly_types);

}  // namespace faultline::checker::txn
