// Random small histories for the model property tests (tests only).
//
// generate_valid_history() simulates a real concurrent execution against the oracle's reference
// spec: each op is invoked on an idle process, later takes effect at one instant (its
// linearization point, where its output is computed from the state), and later still completes,
// so intervals overlap freely and the result is linearizable by construction. Some ops fail
// (never take effect: chosen up front, or because the op is illegal at its point, e.g. releasing
// a free mutex), some end `info` after taking effect or not, some stay pending forever, a process
// that got `info` is replaced by a fresh one, and a few nemesis ops are sprinkled in.
//
// mutate_history() makes a small random change that usually (not always) breaks it: a wrong read
// / dequeue output, a changed op name, a `fail` or `info` turned `ok`, or two adjacent events of
// different processes swapped (tightening real-time order). The oracle decides the truth.
#pragma once
#include <cstdint>
#include <random>
#include <string_view>

#include "faultline/core/history.h"

namespace faultline::test {

struct HistoryShape {
  int max_ops = 8;          // client ops (<= 8 keeps the brute-force oracle fast)
  int max_processes = 4;
  int value_range = 3;      // input values drawn from [0, value_range)
};

History generate_valid_history(std::string_view model, std::mt19937_64& rng,
                               const HistoryShape& shape = {});

// Returns a mutated copy (indices renumbered 0..n-1).
History mutate_history(std::string_view model, const History& h, std::mt19937_64& rng);

// Compact one-line-per-op dump for failure messages.
std::string history_to_string(const History& h);

}  // namespace faultline::test
