// KvStore: the replicated state machine every reference daemon applies in log order.
// Keys are strings, values are arbitrary JSON. Operations (request objects of PROTOCOL.md):
//   read   -> value (null when the key is absent)
//   write  -> null
//   cas    -> null if current == "expected", else CasMismatch with no effect
//   append -> null; appends "value" to the list at key (absent key = empty list)
//   txn    -> array of per-micro-op results; atomic: if any cas mismatches nothing applies
//   status -> BadRequest (a daemon answers status itself; reaching the state machine means the
//             daemon does not implement it). Deterministic, so replicas stay in step.
// apply() is deterministic: the same sequence of ops yields the same states and results on
// every replica. It never throws for a request that passed validate_request().
#pragma once
#include <map>
#include <string>

#include "faultline/sut/protocol.h"

namespace faultline::sut {

struct KvResult {
  bool ok = true;
  Json value;                                 // result when ok
  ErrorCode error = ErrorCode::BadRequest;    // when !ok (always definite)
  std::string message;
};

class KvStore {
 public:
  // Applies one validated request (only op/key/value/expected/ops are read).
  KvResult apply(const Json& request);
  // Pure read: does not change state.
  Json read(const std::string& key) const;
  const std::map<std::string, Json>& data() const { return data_; }

 private:
  KvResult apply_txn(const Json& ops);
  std::map<std::string, Json> data_;
};

}  // namespace faultline::sut
