// Register histories for the causal checker tests: each op is invoked and completes at once,
// in the order given (real time does not matter to causal models).
#pragma once
#include <string>
#include <vector>

#include "faultline/core/history.h"

namespace faultline::testing {

struct RegOp {
  int64_t process;
  char f;           // 'w' or 'r'
  std::string key;
  Json value;       // null = the initial value
};

inline History register_history(const std::vector<RegOp>& ops) {
  History h;
  for (const auto& r : ops) {
    Op inv;
    inv.process = r.process;
    inv.type = OpType::Invoke;
    inv.f = r.f == 'w' ? "write" : "read";
    inv.key = r.key;
    inv.value = r.f == 'w' ? r.value : Json(nullptr);
    h.add(inv);
    Op done = inv;
    done.index = -1;
    done.type = OpType::Ok;
    done.value = r.value;
    h.add(done);
  }
  h.pair();
  return h;
}

}  // namespace faultline::testing
