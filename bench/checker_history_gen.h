// Generated histories for the checker benchmarks (and their tests): `clients` processes run
// `ops` operations against a simulated linearizable object over `keys` keys; each op takes
// effect at a random point between its invocation and its completion, so the history is
// linearizable by construction (unless info_percent makes some ops indeterminate, which keeps
// it linearizable too). Deterministic for a given seed.
#pragma once
#include <cstdint>

#include "faultline/core/history.h"

namespace faultline::bench {

enum class GeneratedWorkload {
  RegisterReadWrite,   // f read / write on keyed registers, integer values  (model cas-register)
  KvAppendGet,         // f append / get on keyed strings, Porcupine-style    (model kv)
};

struct GenSpec {
  GeneratedWorkload workload = GeneratedWorkload::RegisterReadWrite;
  int64_t ops = 1000;
  int clients = 10;
  int keys = 10;
  int info_percent = 0;      // completions that are `info` (the process is then replaced)
  int64_t value_range = 1000;
  uint64_t seed = 1;
};

// Unpaired history; call pair() before checking.
History generate_history(const GenSpec& spec);

}  // namespace faultline::bench
