// One entry point from the CLI's strings to the transactional, causal and session checkers, so
// `faultline check --model M --consistency C FILE` needs one call:
//
//   --model list-append|rw-register [--consistency <transactional model>]   (default serializable)
//       -> txn::check_transactional
//   --consistency causal|causal-memory|causal-convergence   (--model register/kv or absent)
//       -> causal::check_causal
//   --consistency read-your-writes|monotonic-reads|monotonic-writes|writes-follow-reads
//       -> causal::check_session_guarantees with that one guarantee
//
// Returns std::nullopt when neither string names one of these checkers (the caller then tries
// its other checkers, e.g. linearizability); throws std::invalid_argument naming the accepted
// values for a combination that is recognised but wrong (list-append with causal, or an
// unknown transactional model name).
#pragma once
#include <optional>
#include <string>

#include "faultline/checker/result.h"
#include "faultline/core/history.h"

namespace faultline::checker {

// Extra knobs a CLI may expose (--sequential-keys, --linearizable-keys, --no-svg).
struct TxnCausalFlags {
  bool sequential_keys = false;    // rw-register: process order orders each key's versions
  bool linearizable_keys = false;  // rw-register: real-time order orders each key's versions
  bool render_svg = true;          // Graphviz SVG of each reported cycle
};

std::optional<CheckResult> check_txn_or_causal(const History& history, const std::string& model,
                                               const std::string& consistency,
                                               const TxnCausalFlags& flags = {});

}  // namespace faultline::checker
