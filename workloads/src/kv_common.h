// Private helpers shared by the workloads: PROTOCOL.md request builders, phase setup, op
// completions, the read-then-cas step of read-modify-write ops, history pairing and the per-key
// linearizability check.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

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

// The length of a main phase meant to last the whole run: opts.time_limit_ns, or 365 days when
// that is 0 (the runner's config.time_limit_ns ends it then).
int64_t run_long_phase_ns(const WorkloadOptions& opts);

// config.final_ops = max(1, opts.concurrency) copies of `op` (one per client process).
void final_op_per_process(GeneratorConfig& config, const WorkloadOptions& opts, OpTemplate op);

// A `fail` completion of `invocation` with `error`.
Op failed(const Op& invocation, std::string error);

// The `fail` completion of an invocation whose f the workload does not know:
// error "unknown f '<f>'".
Op unknown_f(const Op& invocation);

// A list value as read: null (an absent key) is [], anything else as is.
Json null_as_empty_list(const Json& value);

// For each position of `ops`: the position of its completion when it is a client invocation
// that has one (matched by process, in history order), else -1.
std::vector<int64_t> completion_positions(const std::vector<Op>& ops);

// Counts an anomaly: ++count, and `entry` joins `list` while the list has fewer than `cap`
// members (results list the first `cap` and report the count).
void push_capped(Json& list, int64_t& count, Json entry, size_t cap);

// How ops of one kind ended: add() counts a completion type (Ok, Fail; anything else, e.g. an op
// that never completed, counts as info); to_json() is {"ok", "fail", "info"}.
struct OutcomeCounts {
  int64_t ok = 0, fail = 0, info = 0;
  void add(OpType type);
  Json to_json() const;
};

// Pairs `h` (History::pair()); on a malformed history returns the check result to give instead:
// {"valid": "unknown", "error": "malformed history: ..."}.
std::optional<Json> pair_or_unknown(History& h);

// A read-modify-write of one key as read, then cas(read value -> new value): the step of
// counter's add, queue's dequeue and lock's acquire/release.
//   - an error reply to the read is `fail` with error read_error_prefix + code (nothing was
//     written);
//   - plan(current, next, ok_value) sees the value read: it returns an op to end with (no cas)
//     or nullopt after setting `next` (the value to cas in) and `ok_value` (the completion value
//     if the cas applies);
//   - a cas reply maps as complete_from_reply(); cas-mismatch (proof the cas had no effect)
//     starts over with a fresh read, at most `attempts` reads in all, then `fail` with error
//     "cas-mismatch";
//   - with record_maybe, an Indeterminate thrown by the cas and an indeterminate cas reply give
//     `info` with value {"maybe": ok_value} (what the op may have done); without, the
//     Indeterminate propagates and the info keeps the invocation's value.
// Other SutClient exceptions propagate.
struct ReadThenCas {
  std::string key;
  int attempts = 1;
  bool record_maybe = false;
  std::string read_error_prefix = "read ";
};
using CasPlan = std::function<std::optional<Op>(const Json& current, Json& next, Json& ok_value)>;
Op read_then_cas(const Op& invocation, SutClient& client, const ReadThenCas& how,
                 const CasPlan& plan);

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
