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
#include <vector>

#include "faultline/core/op.h"

namespace faultline {

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
