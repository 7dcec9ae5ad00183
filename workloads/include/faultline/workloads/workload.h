// Workload: what clients do to a system and how the resulting history is judged (Jepsen's
// workload = generator + client + checker). One workload is one file in workloads/src/ plus one
// line in workloads/src/registry.cpp.
//
// Life of an op, driven by the runner (runner/):
//   1. configure() fills the generator's op mix, key independence and final phase; the runner
//      sets seed, concurrency, rate and time limit itself and owns the generator.
//   2. For each ScheduleRecord the runner records an invocation Op {process, f, value, key}
//      (time, index assigned by the runner) and calls invoke(invocation, client) on the
//      process's own thread with the process's own SutClient.
//   3. invoke() returns the completion: the same process/f/key with type Ok (value = what was
//      read / returned), Fail (error = why, definitely no effect), or Info (may have happened).
//      It may issue several requests (read then cas, ...). It throws Indeterminate / NotSent
//      exactly as SutClient::call does when it wants the runner to decide (Indeterminate -> info
//      and retire the process; NotSent -> fail). It must not block longer than the client's
//      own timeouts allow.
//   4. After the run, check() judges the whole history (nemesis ops included; ignore them or
//      use their windows) and returns a result object:
//        {"valid": true | false | "unknown", ...workload-specific evidence...}
//      with "valid" exactly as Jepsen prints it ("unknown" when the checker could not decide,
//      e.g. a timeout or a missing checker). Anomalies name the ops (their "index") involved.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <faultline/core/history.h>
#include <faultline/core/op.h>
#include <faultline/workloads/client.h>
#include <faultline/workloads/generator.h>

namespace faultline::workloads {

// Knobs common to workloads; each workload reads what it needs and documents defaults.
struct WorkloadOptions {
  int64_t key_count = 0;        // 0 = the workload's default (e.g. bank accounts)
  int64_t ops_per_key = 0;      // independent-key workloads: 0 = the workload's default
  int keys_in_flight = 0;       // 0 = concurrency-derived default
  int concurrency = 1;          // the run's client concurrency (for defaults)
  int64_t time_limit_ns = 0;
  double check_timeout_s = 60;  // bound on the checker's search
  Json params = Json::object(); // workload-specific extras from test.json "workload_params"
};

class Workload {
 public:
  virtual ~Workload() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  // PROTOCOL.md ops the system must serve ("read", "write", "cas", "append", "txn").
  virtual std::vector<std::string> required_ops() const = 0;
  // Called once on this instance before any prepare()/invoke(); workloads may keep what they
  // need from `opts` (invoke() runs concurrently afterwards and must only read that state).
  virtual void configure(GeneratorConfig& config, const WorkloadOptions& opts) const = 0;
  // Called by the runner on each invocation BEFORE it is recorded: may rewrite the generator's
  // value into the op's full description (e.g. a txn seed into its micro-ops) so the recorded
  // history is self-contained for offline checkers (`faultline check`). Default: unchanged.
  virtual void prepare(Op& /*invocation*/) const {}
  virtual Op invoke(const Op& invocation, SutClient& client) const = 0;
  virtual Json check(const History& history, const WorkloadOptions& opts) const = 0;
};

// Registry (workloads/src/registry.cpp). make_workload throws std::invalid_argument naming the
// known workloads when `name` is unknown.
std::unique_ptr<Workload> make_workload(std::string_view name);
std::vector<std::string> workload_names();

// Helpers for invoke() implementations.
// The completion skeleton for `invocation` (same process, f, key, value, node; type `type`).
Op completion(const Op& invocation, OpType type);
// Maps a server reply: ok -> Ok with value `ok_value`; definite error -> Fail with error;
// indeterminate error -> Info with error.
Op complete_from_reply(const Op& invocation, const Reply& reply, const Json& ok_value);

}  // namespace faultline::workloads
