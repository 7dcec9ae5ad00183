// Generated histories for the checker benchmarks (and their tests): `clients` processes run
// `ops` operations against a simulated linearizable object over `keys` keys; each op takes
// effect at a random point between its invocation and its completion, so the history is
// linearizable by construction (unless info_percent makes some ops indeterminate, which keeps
// it linearizable too). Deterministic for a given seed.
//
// Planted bugs (KvAppendGet only), in the second half of the history, on `plant_keys` keys:
//   StaleRead   one ok get per key returns the value as it was before an append that had
//               completed before the get was invoked (a stale read): not linearizable;
//   LostAppend  one ok append per key vanishes: every get that saw its string no longer does,
//               and at least one such get was invoked after the append completed: not
//               linearizable.
// GenSpec::planted reports how many keys got their bug (0 when the history offered no spot).
#pragma once
#include <cstdint>

#include "faultline/core/history.h"

namespace faultline::bench {

enum class GeneratedWorkload {
  RegisterReadWrite,   // f read / write on keyed registers, integer values  (model cas-register)
  KvAppendGet,         // f append / get on keyed strings, Porcupine-style    (model kv)
};

enum class PlantedBug { None, StaleRead, LostAppend };

struct GenSpec {
  GeneratedWorkload workload = GeneratedWorkload::RegisterReadWrite;
  int64_t ops = 1000;
  int clients = 10;
  int keys = 10;
  int info_percent = 0;      // completions that are `info` (the process is then replaced)
  int64_t value_range = 1000;
  uint64_t seed = 1;
  PlantedBug plant = PlantedBug::None;
  int plant_keys = 1;
};

struct Generated {
  History history;   // unpaired
  int planted = 0;   // keys that got the planted bug
};

Generated generate(const GenSpec& spec);

// A history that is hard for any exact search, whatever the model's pruning (for budget tests
// and benchmarks; model cas-register): `writes` writes of distinct values whose processes crash
// (info, so each may take effect at any time or never), then reads by one process of each
// written value in turn, then a read of a value never written. Not linearizable, but proving it
// explores every subset of the crashed writes: ~2^writes configurations.
History hard_register_history(int writes);

// Unpaired history; call pair() before checking.
History generate_history(const GenSpec& spec);

}  // namespace faultline::bench
