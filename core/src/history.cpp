#include "faultline/core/history.h"

#include <algorithm>
#include <deque>
#include <string>
#include <unordered_map>

#include "faultline/core/error.h"

namespace faultline {

History::History(std::vector<Op> ops) {
  ops_.reserve(ops.size());
  for (auto& op : ops) add(std::move(op));
}

void History::add(Op op) {
  if (op.index < 0) op.index = static_cast<int64_t>(ops_.size());
  ops_.push_back(std::move(op));
  paired_ = false;
}

void History::pair() {
  const size_t n = ops_.size();
  completion_.assign(n, -1);
  invocation_.assign(n, -1);
  logical_process_.assign(n, 0);
  int64_t next_fresh = 0;
  for (const Op& op : ops_) next_fresh = std::max(next_fresh, op.process + 1);

  struct ProcState {
    int64_t open = -1;     // position of the open invocation, or -1
    int64_t logical = 0;   // current logical id
  };
  std::unordered_map<int64_t, ProcState> procs;
  std::deque<int64_t> no_process_open;
  for (size_t i = 0; i < n; ++i) {
    const Op& op = ops_[i];
    auto [it, fresh] = procs.try_emplace(op.process);
    ProcState& ps = it->second;
    if (fresh) ps.logical = op.process;
    // Jepsen records a nemesis op as two :info events; the first one opens it.
    const bool opens_nemesis_op =
        op.type == OpType::Info && op.process == kNemesisProcess && ps.open < 0;
    if (op.type == OpType::Invoke || opens_nemesis_op) {
      if (ps.open >= 0 && op.process != kNoProcess) {
        throw HistoryError("op " + std::to_string(op.index) + ": process " +
                           std::to_string(op.process) + " invokes while its op " +
                           std::to_string(ops_[ps.open].index) + " is still open");
      }
      if (op.process != kNoProcess) {
        ps.open = static_cast<int64_t>(i);
      } else {
        no_process_open.push_back(static_cast<int64_t>(i));
      }
      logical_process_[i] = ps.logical;
    } else {
      if (op.process == kNoProcess) {
        // Without processes (Elle histories) a completion pairs with the oldest open
        // process-less invocation.
        logical_process_[i] = kNoProcess;
        if (no_process_open.empty()) {
          throw HistoryError("op " + std::to_string(op.index) + ": " +
                             std::string(to_string(op.type)) + " has no open invocation");
        }
        const int64_t inv = no_process_open.front();
        no_process_open.pop_front();
        completion_[inv] = static_cast<int64_t>(i);
        invocation_[i] = inv;
        continue;
      }
      if (ps.open < 0) {
        throw HistoryError("op " + std::to_string(op.index) + ": " +
                           std::string(to_string(op.type)) + " by process " +
                           std::to_string(op.process) + " has no open invocation");
      }
      completion_[ps.open] = static_cast<int64_t>(i);
      invocation_[i] = ps.open;
      logical_process_[i] = ps.logical;
      ps.open = -1;
      if (op.type == OpType::Info && op.process >= 0) ps.logical = next_fresh++;
    }
  }
  paired_ = true;
}

}  // namespace faultline
