// Time-sliced search of all partitions (see linearizability_run.h).
#include "linearizability_run.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

namespace faultline::checker::detail {
namespace {

using Clock = std::chrono::steady_clock;

struct Job {
  const CompiledPartition* part = nullptr;
  std::unique_ptr<StateMachine> machine;
  std::unique_ptr<PartitionSearch> search;
  bool sequential_phase = false;
  int slices = 0;
  SearchOutcome outcome;
};

class Scheduler {
 public:
  Scheduler(const std::vector<const CompiledPartition*>& parts, SearchBudget& budget,
            const RunConfig& config)
      : budget_(budget), config_(config), jobs_(parts.size()) {
    for (size_t i = 0; i < parts.size(); ++i) jobs_[i].part = parts[i];
    std::vector<size_t> order(parts.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    // Largest partitions first: on several threads they are the long poles.
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return parts[a]->size() > parts[b]->size();
    });
    queue_.assign(order.begin(), order.end());
  }

  std::vector<PartitionResult> run() {
    const unsigned threads = std::max(1u, std::min<unsigned>(
                                              config_.threads, static_cast<unsigned>(jobs_.size())));
    // Helper threads start only once the calling thread has worked for a while with partitions
    // left: most histories check in a few milliseconds, less than starting threads costs on a
    // busy machine.
    const auto helpers_after = Clock::now() + std::chrono::milliseconds(2);
    std::vector<std::thread> pool;
    for (;;) {
      if (pool.empty() && threads > 1 && Clock::now() >= helpers_after && pending() > 1) {
        for (unsigned t = 1; t < threads; ++t) pool.emplace_back([this] { while (work_one()) {} });
      }
      if (!work_one()) break;
    }
    for (auto& t : pool) t.join();
    std::vector<PartitionResult> out(jobs_.size());
    for (size_t i = 0; i < jobs_.size(); ++i) {
      out[i].machine = std::move(jobs_[i].machine);
      out[i].outcome = std::move(jobs_[i].outcome);
    }
    return out;
  }

 private:
  size_t pending() {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }

  // Runs one slice of one partition; false when no partition is left.
  bool work_one() {
    size_t i;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (queue_.empty()) return false;
      i = queue_.front();
      queue_.pop_front();
    }
    Job& j = jobs_[i];
    if (budget_.cancel.load(std::memory_order_relaxed)) return end(j, "cancelled");
    if (budget_.expired()) return end(j, "time limit");
    if (!j.search) start(j, false);
    const int64_t quantum = int64_t{4096} << std::min(j.slices++, 8);
    if (!j.search->run(quantum)) {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(i);
      return true;
    }
    j.outcome = j.search->outcome();
    const bool retry_sequential = config_.consistency == Consistency::Sequential &&
                                  !j.sequential_phase && j.outcome.verdict != Verdict::Valid &&
                                  j.outcome.reason != "time limit" &&
                                  j.outcome.reason != "cancelled";
    if (retry_sequential) {
      start(j, true);
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_front(i);
      return true;
    }
    j.search.reset();  // frees the memo now; the machine stays to describe states
    if (j.outcome.verdict == Verdict::Invalid && config_.stop_at_first_invalid) {
      budget_.cancel.store(true);
    }
    return true;
  }

  void start(Job& j, bool sequential) {
    j.search.reset();  // release the previous memo before the next one grows
    j.machine = config_.new_machine();
    j.sequential_phase = sequential;
    j.slices = 0;
    j.search = sequential ? make_sequential_search(*j.part, *j.machine, budget_, config_.tuning)
                          : make_linearizable_search(*j.part, *j.machine, budget_, config_.tuning);
  }

  bool end(Job& j, const char* reason) {
    if (j.search) {
      j.search->stop(reason);
      j.outcome = j.search->outcome();
      j.search.reset();
    } else {
      j.outcome.verdict = Verdict::Unknown;
      j.outcome.reason = reason;
    }
    return true;
  }

  SearchBudget& budget_;
  const RunConfig& config_;
  std::vector<Job> jobs_;
  std::mutex mu_;
  std::deque<size_t> queue_;
};

}  // namespace

std::vector<PartitionResult> search_partitions(const std::vector<const CompiledPartition*>& parts,
                                               SearchBudget& budget, const RunConfig& config) {
  Scheduler s(parts, budget, config);
  return s.run();
}

}  // namespace faultline::checker::detail
