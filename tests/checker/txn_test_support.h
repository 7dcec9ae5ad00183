// Test helpers for the transactional checker tests: build histories in code.
#pragma once
#include <string>

#include "faultline/core/history.h"

namespace faultline::testing {

// Appends an invocation and its completion for process p; `value` is the completion's
// value (the invocation's reads are nil, as Jepsen records them).
inline void add_txn(History& h, int64_t p, OpType type, const Json& value) {
  Op inv;
  inv.process = p;
  inv.type = OpType::Invoke;
  inv.f = "txn";
  inv.value = value;
  for (auto& m : inv.value)
    if (m[0] == "r") m[2] = nullptr;
  h.add(inv);
  Op done = inv;
  done.index = -1;
  done.type = type;
  done.value = value;
  h.add(done);
}

}  // namespace faultline::testing

namespace faultline::testing {

struct TxnSpec {
  int64_t process;
  OpType type;
  Json value;  // completion value, micro-ops [f k v]
};

// All txns invoked first (in order), then all completed (in order): no real-time or process
// order between them, so only data dependencies matter.
inline History concurrent_txns(const std::vector<TxnSpec>& txns) {
  History h;
  for (const auto& t : txns) {
    Op inv;
    inv.process = t.process;
    inv.type = OpType::Invoke;
    inv.f = "txn";
    inv.value = t.value;
    for (auto& m : inv.value)
      if (m[0] == "r") m[2] = nullptr;
    h.add(inv);
  }
  for (size_t i = 0; i < txns.size(); ++i) {
    Op done = h[i];
    done.index = -1;
    done.type = txns[i].type;
    done.value = txns[i].value;
    h.add(done);
  }
  h.pair();
  return h;
}

}  // namespace faultline::testing
