#include "faultline/checker/txn/consistency_models.h"

#include <algorithm>
#include <map>
#include <set>

namespace faultline::checker::txn {

namespace {

// Model -> the weaker models it directly implies.
const std::map<std::string, std::vector<std::string>>& implies() {
  static const std::map<std::string, std::vector<std::string>> m = {
      {"read-uncommitted", {}},
      {"read-committed", {"read-uncommitted"}},
      {"monotonic-atomic-view", {"read-committed"}},
      {"repeatable-read", {"monotonic-atomic-view"}},
      {"snapshot-isolation", {"monotonic-atomic-view"}},
      {"serializable", {"repeatable-read", "snapshot-isolation"}},
      {"strong-session-serializable", {"serializable"}},
      {"strict-serializable", {"strong-session-serializable"}},
  };
  return m;
}

// Anomaly -> the weakest models that directly proscribe it.
std::vector<std::string> direct_proscribers(const std::string& a) {
  static const std::set<std::string> nonsense = {"G0", "internal", "garbage-read",
                                                 "duplicate-elements", "incompatible-order",
                                                 "cyclic-versions", "future-read"};
  if (nonsense.count(a)) return {"read-uncommitted"};
  if (a == "G1a" || a == "G1b" || a == "G1c" || a == "dirty-update") return {"read-committed"};
  if (a == "G-single" || a == "G-nonadjacent" || a == "lost-update")
    return {"repeatable-read", "snapshot-isolation"};
  if (a == "G2-item") return {"repeatable-read"};
  auto ends_with = [&](std::string_view s) {
    return a.size() > s.size() && a.compare(a.size() - s.size(), s.size(), s) == 0;
  };
  if (ends_with("-process")) return {"strong-session-serializable"};
  if (ends_with("-realtime")) return {"strict-serializable"};
  return {};
}

bool implies_model(const std::string& strong, const std::string& weak) {
  if (strong == weak) return true;
  for (const auto& w : implies().at(strong))
    if (implies_model(w, weak)) return true;
  return false;
}

}  // namespace

const std::vector<std::string>& transactional_model_names() {
  static const std::vector<std::string> names = {
      "read-uncommitted",   "read-committed", "monotonic-atomic-view",
      "repeatable-read",    "snapshot-isolation", "serializable",
      "strong-session-serializable", "strict-serializable"};
  return names;
}

bool is_transactional_model(std::string_view name) {
  const auto& n = transactional_model_names();
  return std::find(n.begin(), n.end(), name) != n.end();
}

ModelBoundary model_boundary(const std::vector<std::string>& anomaly_types) {
  std::set<std::string> direct;
  for (const auto& a : anomaly_types)
    for (auto& m : direct_proscribers(a)) direct.insert(m);
  ModelBoundary b;
  for (const auto& m : transactional_model_names()) {
    bool out = false;
    for (const auto& d : direct) out |= implies_model(m, d);
    (out ? b.impossible : b.possible).push_back(m);
  }
  for (const auto& m : b.impossible) {
    bool weakest = true;
    for (const auto& o : b.impossible) weakest &= o == m || !implies_model(m, o);
    if (weakest) b.weakest_impossible.push_back(m);
  }
  for (const auto& m : b.possible) {
    bool strongest = true;
    for (const auto& o : b.possible) strongest &= o == m || !implies_model(o, m);
    if (strongest) b.strongest_possible.push_back(m);
  }
  return b;
}

}  // namespace faultline::checker::txn
