#include "faultline/checker/result.h"

namespace faultline {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Valid: return "valid";
    case Verdict::Invalid: return "invalid";
    case Verdict::Unknown: return "unknown";
  }
  return "?";
}

nlohmann::json CheckResult::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  switch (verdict) {
    case Verdict::Valid: j["valid"] = true; break;
    case Verdict::Invalid: j["valid"] = false; break;
    case Verdict::Unknown: j["valid"] = "unknown"; break;
  }
  if (!reason.empty() || verdict == Verdict::Unknown) j["reason"] = reason;
  j["anomalies"] = anomalies;
  j["witness"] = witness;
  j["stats"] = stats;
  return j;
}

Verdict combine(Verdict a, Verdict b) {
  if (a == Verdict::Invalid || b == Verdict::Invalid) return Verdict::Invalid;
  if (a == Verdict::Unknown || b == Verdict::Unknown) return Verdict::Unknown;
  return Verdict::Valid;
}

}  // namespace faultline
