// Shared machinery of the Elle-style transactional workloads (list_append_workload.cpp,
// rw_register_workload.cpp); internal to workloads/src.
//
// Transactions: the generator emits `txn` ops whose value is a unique integer n (NextUniqueInt);
// expand_txn(n, params) turns n, deterministically, into a list of 1..max_txn_length micro-ops
// over keys 0..keys-1 in Jepsen/Elle shape: ["r", k, null], ["append", k, v] (list-append) or
// ["w", k, v] (rw-register), each written v = n * kValueStride + i + 1 (i = position in the txn),
// so every written value is unique across the whole run (unique per key, as Elle needs).
// An invocation whose value is already a list of micro-ops is sent as it is.
//
// invoke() sends the txn as one PROTOCOL `txn` (key k -> "<prefix><k>"; r -> read, append ->
// append, w -> write) and returns:
//   ok    value = the txn with every read filled from the reply (list-append: absent = []);
//   fail  (definite error) / info (timeout, shutting-down, or a reply that does not match the
//         request: error "malformed-reply: ...") with value = the txn, reads null.
// Indeterminate / NotSent from the client propagate.
//
// check() rewrites the recorded history into what the transactional checker reads: each txn
// invocation gets the micro-ops of its completion (reads null), or, when it never completed,
// its expansion under the check's own options (so those must match the run's). It then runs
// checker::txn::check_transactional with params.consistency (default "serializable") and, for
// rw-register, params.sequential_keys / params.linearizable_keys (default false), and returns
// the CheckResult JSON plus {"model", "consistency", "txn_counts"}. The verdict is "unknown"
// (never true) when the checker says so, when no txn committed, when a reply was malformed, or
// when the history does not fit the checker (reason given).
#pragma once
#include <cstdint>
#include <mutex>
#include <string>

#include <faultline/checker/txn/txn_history.h>
#include <faultline/workloads/workload.h>

namespace faultline::workloads::elle {

inline constexpr int64_t kValueStride = 100;

struct TxnParams {
  int64_t keys = 5;
  int64_t max_txn_length = 4;
  double read_fraction = 0.5;
  std::string consistency = "serializable";
  bool sequential_keys = false;
  bool linearizable_keys = false;
  bool render_svg = true;
  // Throws std::invalid_argument naming the bad parameter.
  static TxnParams from(const WorkloadOptions& o);
};

Json expand_txn(int64_t n, const TxnParams& p, checker::txn::TxnModel model);

class ElleTxnWorkload : public Workload {
 public:
  ElleTxnWorkload(checker::txn::TxnModel model, std::string key_prefix)
      : model_(model), prefix_(std::move(key_prefix)) {}
  std::vector<std::string> required_ops() const override;
  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override;
  // Replaces an integer txn seed by its micro-ops (expand_txn), so history.jsonl holds them.
  void prepare(Op& invocation) const override;
  Op invoke(const Op& invocation, SutClient& client) const override;
  Json check(const History& history, const WorkloadOptions& opts) const override;

 private:
  checker::txn::TxnModel model_;
  std::string prefix_;
  mutable std::mutex mu_;
  mutable TxnParams params_;  // from the last configure(); invoke() expands with it
};

}  // namespace faultline::workloads::elle
