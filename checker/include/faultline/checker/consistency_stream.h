// ConsistencyStream: check_consistency (linearizability.h) for histories streamed rather than
// held — `faultline check` feeds it the ops of a file as the reader produces them, so a history
// of millions of ops never exists as a History (an Op is ~170 bytes plus its JSON; a compiled
// op ~80).
//
// Contract: feed every op of the history with add(), in history order, then call finish()
// once. The result equals check_consistency(History of the same ops, model, options): the same
// pairing rules and HistoryError messages (OpPairer, history.h), the same compiled ops in the
// same order per partition and partitions in the same order, hence the same verdict, witness
// (positions are ops' positions in the stream, from 0), anomalies and stats. ModelError from
// Model::compile is thrown by add() when an op completes (or by finish() for ops never
// completed), so with several bad ops the one named may differ from check_consistency's.
// Memory: the compiled ops, plus the invocations still open (at most one per process).
// The time limit counts from construction, so it covers reading the stream.
#pragma once
#include <memory>

#include "faultline/checker/linearizability.h"
#include "faultline/checker/model.h"
#include "faultline/checker/result.h"
#include "faultline/core/op.h"

namespace faultline::checker {

class ConsistencyStream {
 public:
  // `model` must outlive the stream.
  explicit ConsistencyStream(const Model& model, ConsistencyOptions options = {});
  ~ConsistencyStream();
  ConsistencyStream(const ConsistencyStream&) = delete;
  ConsistencyStream& operator=(const ConsistencyStream&) = delete;

  // The next op of the history. Throws HistoryError (pairing) or ModelError (compile).
  void add(Op&& op);
  // Ops added so far.
  int64_t size() const;
  // Compiles the ops left open, searches, and returns the result. Call once.
  CheckResult finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::checker
