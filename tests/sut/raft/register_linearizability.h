// A small, test-only linearizability oracle for one register with read / write / cas
// (Wing & Gong search with memoization of (linearized set, value)). The simulation tests use it
// per key on the histories their simulated clients record; it is deliberately independent of
// the code under test. Ops that failed definitely must be left out by the caller; info ops
// (outcome unknown) have complete = kNever and may be linearized anywhere after invoke, or not
// at all. Values are integers; kNull stands for "absent".
#pragma once
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace faultline::raft::test {

inline constexpr int64_t kNull = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

struct RegisterOp {
  enum Kind { Read, Write, Cas } kind;
  int64_t invoke = 0;    // logical times, all distinct
  int64_t complete = 0;  // kNever for info ops
  int64_t a = kNull;     // read: value seen; write: value; cas: expected
  int64_t b = kNull;     // cas: new value
  std::string describe() const;
};

struct LinearizabilityVerdict {
  bool linearizable = false;
  bool budget_exceeded = false;
  std::string detail;
};

LinearizabilityVerdict check_register(std::vector<RegisterOp> ops,
                                      std::size_t max_states = 2'000'000);

// Stale reads, the stale-read knob's signature, found without a search: a completed read R that
// returned v although some acknowledged write or cas W2 of another value completed before R was
// invoked, and v was the initial value (kNull) or was written by an op that completed before W2
// was invoked. Then every linearization orders v's write < W2 < R, so R cannot see v. Requires
// every written value to be unique (as the simulations write them). One description per stale
// read: "read v [i, c] after write w [i, c] completed".
std::vector<std::string> find_stale_reads(const std::vector<RegisterOp>& ops);

}  // namespace faultline::raft::test
