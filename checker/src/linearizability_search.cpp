// Shared plumbing of the linearizable and sequential searches (linearizability_search.h).
#include "linearizability_search.h"

#include <algorithm>

namespace faultline::checker::detail {

ReadWatch::ReadWatch(const CompiledPartition& p, StateMachine& machine, bool prune,
                     bool by_return)
    : p_(p), machine_(machine), rank_(p.size(), -1), is_reset_(p.size(), 0) {
  if (!prune || !machine.prepare(p.ops)) return;
  for (size_t i = 0; i < p.size(); ++i) {
    // Only reads that must take effect: ok reads (an info read is never compiled with its
    // output known, and would not have to be linearized anyway).
    if (p.ops[i].read_only && p.ops[i].output_known && p.returns(i)) {
      reads_.push_back(static_cast<int32_t>(i));
    }
    State target = 0;
    if (machine.reset_target(p.ops[i], target)) {
      resets_.emplace_back(static_cast<int32_t>(i), target);
      is_reset_[i] = 1;
    }
  }
  resets_left_ = static_cast<int64_t>(resets_.size());
  if (by_return) {
    std::stable_sort(reads_.begin(), reads_.end(), [&](int32_t a, int32_t b) {
      return p.return_pos[static_cast<size_t>(a)] < p.return_pos[static_cast<size_t>(b)];
    });
  }
  for (size_t r = 0; r < reads_.size(); ++r) {
    rank_[static_cast<size_t>(reads_[r])] = static_cast<int32_t>(r);
  }
  supporters_.resize(reads_.size());
  supporters_known_.assign(reads_.size(), 0);
  enabled_ = !reads_.empty();
}

bool ReadWatch::supported(size_t rank, const OpBitset& linearized) {
  if (resets_left_ == 0) return false;
  if (resets_.size() > kMaxResetsScanned) return true;
  if (!supporters_known_[rank]) {
    const CompiledOp& read = p_.ops[static_cast<size_t>(reads_[rank])];
    for (const auto& [op, target] : resets_) {
      if (machine_.can_reach(target, read)) supporters_[rank].push_back(op);
    }
    supporters_known_[rank] = 1;
  }
  for (int32_t op : supporters_[rank]) {
    if (!linearized.test(static_cast<size_t>(op))) return true;
  }
  return false;
}

bool ReadWatch::viable(State state, const OpBitset& linearized) {
  while (first_ < reads_.size() && linearized.test(static_cast<size_t>(reads_[first_]))) ++first_;
  int watched = 0;
  for (size_t r = first_; r < reads_.size() && watched < kWatched; ++r) {
    const auto op = static_cast<size_t>(reads_[r]);
    if (linearized.test(op)) continue;
    ++watched;
    if (!machine_.can_reach(state, p_.ops[op]) && !supported(r, linearized)) return false;
  }
  return true;
}

SearchCore::SearchCore(const CompiledPartition& p, StateMachine& machine, SearchBudget& budget,
                       const SearchTuning& tuning, bool by_return)
    : p_(p),
      machine_(machine),
      budget_(budget),
      linearized_(p.size()),
      memo_(linearized_.word_count(), budget.memory),
      watch_(p, machine, tuning.prune, by_return) {
  init_ = machine_.init();
  state_ = init_;
  for (size_t i = 0; i < p.size(); ++i) returning_left_ += p.returns(i);
  stack_.reserve(p.size());
}

SearchCore::~SearchCore() { budget_.memory.release(machine_charged_); }

bool SearchCore::poll() {
  if (budget_.cancel.load(std::memory_order_relaxed)) {
    finish_unknown("cancelled");
    return false;
  }
  if (budget_.expired()) {
    finish_unknown("time limit");
    return false;
  }
  const uint64_t now = machine_.memory_bytes();
  if (now > machine_charged_) {
    if (!budget_.memory.charge(now - machine_charged_)) {
      finish_unknown("memory limit");
      return false;
    }
    machine_charged_ = now;
  }
  return true;
}

void SearchCore::finish(Verdict v) {
  out_.verdict = v;
  out_.max_linearized = static_cast<int64_t>(tracker_.max_depth());
  out_.memo_entries = static_cast<int64_t>(memo_.size());
  out_.memo_bytes = memo_.bytes();
  if (v == Verdict::Valid) {
    out_.order = stack_;
  } else {
    out_.prefixes = tracker_.prefixes(init_);
  }
  done_ = true;
}

}  // namespace faultline::checker::detail
