// Private helpers shared by the KV-vocabulary workloads (register, cas-register, unique-names,
// lock): PROTOCOL.md request builders and the per-key linearizability check.
#pragma once
#include <string>

#include <faultline/checker/model.h>
#include <faultline/core/history.h>
#include <faultline/workloads/workload.h>

namespace faultline::workloads::detail {

// The PROTOCOL.md key for an op key: a string key as is, any other JSON as its compact dump
// (independent keys are integers: 3 -> "3"), with an optional prefix ("lock-" + "3").
std::string sut_key(const Json& key, const std::string& prefix = "");

Json read_request(const std::string& key);
Json write_request(const std::string& key, const Json& value);
Json cas_request(const std::string& key, const Json& expected, const Json& value);

// Default independent-key knobs from WorkloadOptions: ops_per_key (default `ops_default`) and
// keys_in_flight (default max(1, concurrency / per_key_processes)).
void set_independent_keys(GeneratorConfig& config, const WorkloadOptions& opts,
                          int64_t ops_default, int per_key_processes);

// One main phase with `mix`, lasting opts.time_limit_ns (or 60 s when that is 0; the runner's
// time limit ends it either way).
Phase single_phase(std::vector<OpTemplate> mix, const WorkloadOptions& opts);

// Linearizability of `history` against `model` (a per-key register model), checked key by key
// so that EVERY failing key is reported (the library's combined check stops at the first).
// Each key gets the wall-clock budget left of opts.check_timeout_s. Result:
//   {"valid": true|false|"unknown", "model", "keys", "ops",
//    "failures": [{"key", "op" (index of the op no linearization can place), "ops" ([invoke,
//                  completion] indexes of it), "f", "invoke_value", "result" (its completion
//                  value, e.g. what a stale read returned), "type", "explanation",
//                  "max_linearized", "prefixes": [{"order": [indexes], "state"}]}],
//    "unknown": [{"key", "reason"}], "stats": {"keys_valid", ...}}
// Ops are named by their Op::index. A ModelError (an op the model does not know) yields
// "unknown" with "error".
Json check_per_key_linearizable(const History& history, const checker::Model& model,
                                const WorkloadOptions& opts);

}  // namespace faultline::workloads::detail
