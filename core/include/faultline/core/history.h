// History: the ops of one test, in the order they happened (real-time order is history order,
// as in Knossos/Elle; `time_ns` is informational).
//
// pair() matches every completion with its invocation by process:
//  - each invocation gets at most one completion (ok/fail/info) from the same process;
//  - a completion with no open invocation of its process is an error (HistoryError);
//  - an invocation with no completion counts as `info` (still pending at the end);
//  - after `info`, a process id that invokes again is treated as a fresh logical process
//    (some public histories reuse ids); logical_process() tells the fresh id.
// Nemesis ops are paired too when they come as invoke/info pairs, but never checked by models.
// Jepsen writes nemesis ops as info/info pairs: a nemesis `info` while no nemesis op is open
// opens one (it plays the invocation: invocation() is -1, completion() the next nemesis op).
#pragma once
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "faultline/core/op.h"

namespace faultline {

// pair()'s matching one op at a time, for histories streamed rather than held (faultline check).
// Feed every op in history order with its position (0, 1, 2, ...): add() says which
// invocation a completion belongs to and the op's logical process, and throws the HistoryError
// pair() throws. Logical ids of process ids reused after `info` are first_fresh, first_fresh+1,
// ... in the order of those `info` completions (pair() passes max process + 1).
class OpPairer {
 public:
  explicit OpPairer(int64_t first_fresh) : next_fresh_(first_fresh) {}

  struct Pairing {
    int64_t invocation = -1;  // a completion's invocation position; -1 for an invocation
    int64_t logical_process = 0;
  };
  Pairing add(const Op& op, int64_t pos);
  // Positions of the invocations still without completion, ascending.
  std::vector<int64_t> open_invocations() const;

 private:
  struct ProcState {
    int64_t open = -1;        // position of the open invocation, or -1
    int64_t open_index = -1;  // its Op::index (for errors)
    int64_t logical = 0;      // current logical id
  };
  std::unordered_map<int64_t, ProcState> procs_;
  std::deque<int64_t> no_process_open_;  // process-less invocations, oldest first
  int64_t next_fresh_;
};

class History {
 public:
  History() = default;
  explicit History(std::vector<Op> ops);

  // Appends; assigns op.index = size() when op.index < 0.
  void add(Op op);
  const std::vector<Op>& ops() const { return ops_; }
  std::vector<Op>& mutable_ops() { return ops_; }
  size_t size() const { return ops_.size(); }
  const Op& operator[](size_t i) const { return ops_[i]; }

  // Builds the pairing described above. Throws HistoryError naming the op index on a
  // completion without invocation, or a second invocation while one is open.
  void pair();
  bool paired() const { return paired_; }
  // Position (in ops()) of the completion of the invocation at position i, or -1 if none.
  int64_t completion(size_t i) const { return completion_[i]; }
  // Position of the invocation a completion at position i belongs to, or -1 (for invocations).
  int64_t invocation(size_t i) const { return invocation_[i]; }
  // Logical process of op i: equal to process, except that a process id reused after `info`
  // gets a fresh id (>= max process + 1).
  int64_t logical_process(size_t i) const { return logical_process_[i]; }

 private:
  std::vector<Op> ops_;
  std::vector<int64_t> completion_;
  std::vector<int64_t> invocation_;
  std::vector<int64_t> logical_process_;
  bool paired_ = false;
};

}  // namespace faultline
