// Causal-consistency checkers for key-value register histories with unique written values.
//
// Models, after Bouajjani, Enea, Guerraoui, Hamza, "On Verifying Causal Consistency"
// (POPL 2017). With po = session (process) order, wr = read-from (unique values make it a
// function) and co = (po ∪ wr)+, a history satisfies
//   CC  (causal consistency, "causal")         iff it has none of CyclicCO, WriteCOInitRead,
//                                                ThinAirRead, WriteCORead;
//   CM  (causal memory, "causal-memory")       iff additionally none of WriteHBInitRead,
//                                                CyclicHB;
//   CCv (causal convergence, "causal-convergence") iff additionally no CyclicCF.
// CM and CCv each imply CC; the patterns particular to CM / CCv are searched only when the
// history is CC (a CC violation already rules both out), so each reported pattern is the
// weakest explanation.
//
// Complexity: causal pasts are vector clocks over sessions (po is total per session), so with
// n ops and k sessions: CC and CCv O(n k log n), CM O(k · i · n k) for i fixpoint rounds per
// session (few in practice). Memory n·k·4 bytes; above max_clock_entries the result is unknown.
//
// Input: client ops with f in read/r/get and write/w/put; the key is Op::key, or value [k v]
// when Op::key is null, or a single register otherwise. A session is a logical process
// (History::logical_process; all process-less ops form one session). Ok reads and ok or info
// (indeterminate) writes take part; failed ops and reads without a result are ignored.
//
// Session guarantees (Terry et al. 1994), each a separate named check; "older" means the read
// returned the initial value, or a different write causally before the required one:
//   read-your-writes     a read of x is not older than the session's own last write of x;
//   monotonic-reads      a read of x is not older than a write an earlier read of x observed;
//   monotonic-writes     a read of x is not older than a write to x that precedes (in its
//                        session) a write the session observed earlier;
//   writes-follow-reads  a read of x is not older than a write to x that the writer of an
//                        observed write had read before writing it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultline/checker/result.h"
#include "faultline/core/history.h"

namespace faultline::checker::causal {

enum class CausalModel { CC, CM, CCv };

// "causal" -> CC, "causal-memory" -> CM, "causal-convergence" -> CCv; throws
// std::invalid_argument otherwise.
CausalModel causal_model_from_string(const std::string& name);
std::string to_string(CausalModel m);

struct CausalOptions {
  CausalModel model = CausalModel::CC;
  Json initial_value = nullptr;             // what a never-written register reads as
  int64_t max_clock_entries = 400'000'000;  // n * k bound (1.6 GB of clocks)
  size_t max_reported_per_type = 16;
};

// verdict: invalid if a pattern of options.model is found; unknown (with reason) for
// non-unique written values or an input over the memory bound; else valid.
// anomalies: [{type, explanation, ops: [history index...]}]; witness: {patterns, not,
// also_not, possible, arbitration_order? (CCv valid: op indexes in an order extending causal
// and conflict order)}; stats: {ops, sessions, time_ms}.
CheckResult check_causal(const History& history, const CausalOptions& options);

enum class SessionGuarantee { ReadYourWrites, MonotonicReads, MonotonicWrites, WritesFollowReads };
std::string to_string(SessionGuarantee g);
// "read-your-writes", "monotonic-reads", "monotonic-writes", "writes-follow-reads".
SessionGuarantee session_guarantee_from_string(const std::string& name);

struct SessionOptions {
  std::vector<SessionGuarantee> guarantees = {
      SessionGuarantee::ReadYourWrites, SessionGuarantee::MonotonicReads,
      SessionGuarantee::MonotonicWrites, SessionGuarantee::WritesFollowReads};
  Json initial_value = nullptr;
  int64_t max_clock_entries = 400'000'000;
  size_t max_reported_per_type = 16;
};

// Invalid if any requested guarantee is violated (anomaly type = the guarantee's name);
// unknown if co is cyclic (then "older" is undefined) or the input breaks the assumptions.
CheckResult check_session_guarantees(const History& history, const SessionOptions& options);

}  // namespace faultline::checker::causal
