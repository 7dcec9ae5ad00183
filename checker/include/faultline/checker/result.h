// Result of a consistency check, shared by every checker (linearizable, sequential,
// transactional, causal, invariants).
//
//   valid    the history satisfies the model; `witness` holds the linearization / total order
//            found (or what the checker proves), so an independent verifier can re-check it;
//   invalid  it does not; `anomalies` names what is wrong and `witness` holds the smallest
//            failing window / cycle;
//   unknown  a budget (time, memory) ran out or the checker cannot decide; `reason` says which
//            and `stats` how far the search got. Never returned without a reason.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace faultline {

enum class Verdict { Valid, Invalid, Unknown };

std::string_view to_string(Verdict v);

struct CheckResult {
  Verdict verdict = Verdict::Unknown;
  std::string reason;                                   // required when Unknown
  nlohmann::json anomalies = nlohmann::json::array();   // [{type, explanation, ops...}]
  nlohmann::json witness = nlohmann::json::object();
  nlohmann::json stats = nlohmann::json::object();      // ops, time_ms, states explored, ...

  // {"valid": true|false|"unknown", "reason"?, "anomalies", "witness", "stats"}
  nlohmann::json to_json() const;
};

// Combines results of independent parts (e.g. keys): invalid if any is invalid, else unknown if
// any is unknown, else valid.
Verdict combine(Verdict a, Verdict b);

}  // namespace faultline
