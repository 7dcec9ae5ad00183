// Internal to the causal checkers: bounded collection of anomalies (patterns / guarantee
// violations) with the ops involved, as JSON for CheckResult.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "register_history.h"

namespace faultline::checker::causal {

class CausalReport {
 public:
  CausalReport(size_t cap, const RegisterHistory& rh) : cap_(cap), rh_(rh) {}
  void add(const std::string& type, const std::string& explanation,
           const std::vector<uint32_t>& events) {
    if (counts_[type]++ >= cap_) return;
    Json ops = Json::array();
    for (uint32_t e : events) ops.push_back(rh_.op_index(e));
    anomalies_.push_back({{"type", type}, {"explanation", explanation}, {"ops", ops}});
  }
  Json anomalies() const { return anomalies_; }
  Json types() const {
    Json t = Json::array();
    for (const auto& [k, n] : counts_) t.push_back(k);
    return t;
  }
  Json counts() const {
    Json c = Json::object();
    for (const auto& [k, n] : counts_) c[k] = n;
    return c;
  }
  bool empty() const { return counts_.empty(); }

 private:
  size_t cap_;
  const RegisterHistory& rh_;
  Json anomalies_ = Json::array();
  std::map<std::string, size_t> counts_;
};

}  // namespace faultline::checker::causal
