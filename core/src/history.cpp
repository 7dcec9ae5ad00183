#include "faultline/core/history.h"

#include <algorithm>
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

OpPairer::Pairing OpPairer::add(const Op& op, int64_t pos) {
  auto [it, fresh] = procs_.try_emplace(op.process);
  ProcState& ps = it->second;
  if (fresh) ps.logical = op.process;
  Pairing r;
  // Jepsen records a nemesis op as two :info events; the first one opens it.
  const bool opens_nemesis_op =
      op.type == OpType::Info && op.process == kNemesisProcess && ps.open < 0;
  if (op.type == OpType::Invoke || opens_nemesis_op) {
    if (ps.open >= 0 && op.process != kNoProcess) {
      throw HistoryError("op " + std::to_string(op.index) + ": process " +
                         std::to_string(op.process) + " invokes while its op " +
                         std::to_string(ps.open_index) + " is still open");
    }
    if (op.process != kNoProcess) {
      ps.open = pos;
      ps.open_index = op.index;
    } else {
      no_process_open_.push_back(pos);
    }
    r.logical_process = ps.logical;
    return r;
  }
  if (op.process == kNoProcess) {
    // Without processes (Elle histories) a completion pairs with the oldest open
    // process-less invocation.
    if (no_process_open_.empty()) {
      throw HistoryError("op " + std::to_string(op.index) + ": " +
                         std::string(to_string(op.type)) + " has no open invocation");
    }
    r.invocation = no_process_open_.front();
    no_process_open_.pop_front();
    r.logical_process = kNoProcess;
    return r;
  }
  if (ps.open < 0) {
    throw HistoryError("op " + std::to_string(op.index) + ": " + std::string(to_string(op.type)) +
                       " by process " + std::to_string(op.process) + " has no open invocation");
  }
  r.invocation = ps.open;
  r.logical_process = ps.logical;
  ps.open = -1;
  if (op.type == OpType::Info && op.process >= 0) ps.logical = next_fresh_++;
  return r;
}

std::vector<int64_t> OpPairer::open_invocations() const {
  std::vector<int64_t> open(no_process_open_.begin(), no_process_open_.end());
  for (const auto& [process, ps] : procs_) {
    if (ps.open >= 0) open.push_back(ps.open);
  }
  std::sort(open.begin(), open.end());
  return open;
}

void History::pair() {
  const size_t n = ops_.size();
  completion_.assign(n, -1);
  invocation_.assign(n, -1);
  logical_process_.assign(n, 0);
  int64_t next_fresh = 0;
  for (const Op& op : ops_) next_fresh = std::max(next_fresh, op.process + 1);
  OpPairer pairer(next_fresh);
  for (size_t i = 0; i < n; ++i) {
    const OpPairer::Pairing p = pairer.add(ops_[i], static_cast<int64_t>(i));
    logical_process_[i] = p.logical_process;
    if (p.invocation >= 0) {
      completion_[static_cast<size_t>(p.invocation)] = static_cast<int64_t>(i);
      invocation_[i] = p.invocation;
    }
  }
  paired_ = true;
}

}  // namespace faultline
