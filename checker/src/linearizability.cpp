// check_consistency: compile, search partitions in parallel, combine, build the witness.
#include "faultline/checker/linearizability.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <thread>

#include "faultline/core/assert.h"
#include "linearizability_compile.h"
#include "linearizability_product.h"
#include "linearizability_search.h"

namespace faultline::checker {

std::string_view to_string(Consistency c) {
  return c == Consistency::Linearizable ? "linearizable" : "sequential";
}

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

Json positions(const detail::CompiledPartition& p, const std::vector<int32_t>& ops) {
  Json out = Json::array();
  for (int32_t op : ops) out.push_back(p.invoke_pos[static_cast<size_t>(op)]);
  return out;
}

std::string budget_reason(const std::string& which, const ConsistencyOptions& o) {
  char buf[128];
  if (which == "time limit") {
    std::snprintf(buf, sizeof buf, "time limit of %.3g s reached", o.time_limit_s);
  } else {
    std::snprintf(buf, sizeof buf, "memory limit of %.0f MiB reached",
                  static_cast<double>(o.memory_limit_bytes) / (1 << 20));
  }
  return buf;
}

}  // namespace

CheckResult check_consistency(const History& history, const Model& model,
                              const ConsistencyOptions& options) {
  const auto t0 = Clock::now();
  const History* h = &history;
  History paired_copy;
  if (!history.paired()) {
    paired_copy = history;
    paired_copy.pair();
    h = &paired_copy;
  }
  detail::CompiledHistory compiled = detail::compile_history(*h, model);
  return detail::check_compiled(compiled, model, options, t0, [h](int64_t pos) {
    return h->ops()[static_cast<size_t>(pos)].index;
  });
}

namespace detail {

CheckResult check_compiled(CompiledHistory& compiled, const Model& model,
                           const ConsistencyOptions& options, Clock::time_point t0,
                           const std::function<int64_t(int64_t)>& index_at) {
  const double compile_ms = ms_since(t0);
  const auto t1 = Clock::now();
  SearchBudget budget;
  budget.memory.limit_bytes = options.memory_limit_bytes;
  if (options.time_limit_s > 0) {
    budget.deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(options.time_limit_s));
  }
  // Partitions to search. Linearizability is local (P-compositional), sequential consistency is
  // not: for it the partitions are merged back and run by a product machine.
  std::vector<const detail::CompiledPartition*> parts;
  std::optional<detail::MergedPartitions> merged;
  if (options.consistency == Consistency::Sequential && compiled.partitions.size() > 1) {
    merged = detail::merge_partitions(compiled.partitions);
    parts.push_back(&merged->merged);
  } else {
    for (const auto& p : compiled.partitions) parts.push_back(&p);
  }
  auto new_machine = [&]() {
    return merged ? detail::product_machine(model, compiled.values, *merged)
                  : model.machine(compiled.values);
  };
  const size_t np = parts.size();
  std::vector<detail::SearchOutcome> outcomes(np);
  std::vector<std::unique_ptr<StateMachine>> machines(np);
  // Largest partitions first, for load balance.
  std::vector<size_t> order(np);
  for (size_t i = 0; i < np; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return parts[a]->size() > parts[b]->size(); });
  std::atomic<size_t> next{0};
  unsigned threads = options.threads ? options.threads : std::thread::hardware_concurrency();
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(np)));
  std::vector<std::thread> pool;
  // Helper threads start only once the calling thread has worked for a while with partitions
  // left: most histories check in a few milliseconds, less than starting threads costs on a
  // busy machine.
  const auto helpers_after = t1 + std::chrono::milliseconds(2);
  std::function<void(bool)> worker = [&](bool caller) {
    for (;;) {
      if (caller && pool.empty() && threads > 1 && next.load() < np &&
          Clock::now() >= helpers_after) {
        for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker, false);
      }
      const size_t k = next.fetch_add(1);
      if (k >= np) return;
      const size_t i = order[k];
      machines[i] = new_machine();
      outcomes[i] = detail::search_linearizable(*parts[i], *machines[i], budget);
      if (options.consistency == Consistency::Sequential &&
          outcomes[i].verdict != Verdict::Valid && outcomes[i].reason != "time limit") {
        // A linearization is also a sequentially consistent order (program order is part of
        // real-time order), so the cheaper search runs first; only when it finds none does the
        // search without real-time order run.
        machines[i] = new_machine();
        outcomes[i] = detail::search_sequential(*parts[i], *machines[i], budget);
      }
      if (outcomes[i].verdict == Verdict::Invalid) budget.cancel.store(true);
    }
  };
  worker(true);
  for (auto& t : pool) t.join();
  const double search_ms = ms_since(t1);

  CheckResult r;
  Verdict verdict = Verdict::Valid;
  int64_t memo_entries = 0, steps = 0, valid_parts = 0, unknown_parts = 0, compiled_ops = 0;
  uint64_t memo_bytes = 0;
  size_t first_invalid = np, first_unknown = np;
  for (size_t i = 0; i < np; ++i) {
    const auto& o = outcomes[i];
    compiled_ops += static_cast<int64_t>(parts[i]->size());
    memo_entries += o.memo_entries;
    memo_bytes += o.memo_bytes;
    steps += o.steps;
    if (o.verdict == Verdict::Invalid && first_invalid == np) first_invalid = i;
    if (o.verdict == Verdict::Unknown && o.reason != "cancelled") {
      ++unknown_parts;
      if (first_unknown == np) first_unknown = i;
    }
    if (o.verdict == Verdict::Valid) ++valid_parts;
  }
  const char* what = options.consistency == Consistency::Linearizable ? "linearizable"
                                                                       : "sequentially consistent";
  auto prefixes_json = [&](size_t i) {
    Json arr = Json::array();
    for (const auto& pre : outcomes[i].prefixes) {
      arr.push_back({{"order", positions(*parts[i], pre.order)},
                     {"state", machines[i]->describe(pre.state)}});
    }
    return arr;
  };
  if (first_invalid < np) {
    verdict = Verdict::Invalid;
    const size_t i = first_invalid;
    const auto& o = outcomes[i];
    Json w = {{"partition", parts[i]->key},
              {"max_linearized", o.max_linearized},
              {"prefixes", prefixes_json(i)}};
    Json anomaly = {{"type", options.consistency == Consistency::Linearizable
                                 ? "not-linearizable"
                                 : "not-sequentially-consistent"},
                    {"partition", parts[i]->key}};
    if (o.blocking_op >= 0) {
      const int64_t pos = parts[i]->invoke_pos[static_cast<size_t>(o.blocking_op)];
      w["op"] = pos;
      anomaly["op"] = pos;
      anomaly["explanation"] = "op at position " + std::to_string(pos) +
                               " (index " + std::to_string(index_at(pos)) +
                               ") cannot be placed after the longest " + what + " prefix (" +
                               std::to_string(o.max_linearized) + " ops)";
    } else {
      anomaly["explanation"] = std::string("no ") + what + " order exists";
    }
    r.anomalies.push_back(std::move(anomaly));
    r.witness = std::move(w);
  } else if (first_unknown < np) {
    verdict = Verdict::Unknown;
    r.reason = budget_reason(outcomes[first_unknown].reason, options);
    Json prog = Json::array();
    for (size_t i = 0; i < np; ++i) {
      if (outcomes[i].verdict != Verdict::Unknown) continue;
      prog.push_back({{"partition", parts[i]->key},
                      {"ops", parts[i]->size()},
                      {"max_linearized", outcomes[i].max_linearized}});
      if (prog.size() >= 16) break;
    }
    r.stats["progress"] = {{"partitions_valid", valid_parts},
                           {"partitions_unknown", unknown_parts},
                           {"unfinished", std::move(prog)}};
    r.witness = {{"partition", parts[first_unknown]->key},
                 {"max_linearized", outcomes[first_unknown].max_linearized},
                 {"prefixes", prefixes_json(first_unknown)}};
  } else {
    Json ps = Json::array();
    for (size_t i = 0; i < np; ++i) {
      const auto& o = outcomes[i];
      std::vector<uint8_t> placed(parts[i]->size(), 0);
      for (int32_t op : o.order) placed[static_cast<size_t>(op)] = 1;
      Json omitted = Json::array();
      for (size_t op = 0; op < parts[i]->size(); ++op) {
        if (!placed[op]) omitted.push_back(parts[i]->invoke_pos[op]);
      }
      ps.push_back({{"key", parts[i]->key},
                    {"order", positions(*parts[i], o.order)},
                    {"omitted", std::move(omitted)}});
    }
    r.witness = {{"partitions", std::move(ps)}};
  }
  r.verdict = verdict;
  r.stats["model"] = std::string(model.name());
  r.stats["consistency"] = std::string(to_string(options.consistency));
  r.stats["ops"] = compiled.client_ops;
  r.stats["checked_ops"] = compiled_ops;
  r.stats["dropped_fail_ops"] = compiled.dropped_fail;
  r.stats["dropped_unknown_ops"] = compiled.dropped_unknown;
  r.stats["partitions"] = np;
  r.stats["memo_entries"] = memo_entries;
  r.stats["memo_bytes"] = memo_bytes;
  r.stats["steps"] = steps;
  r.stats["compile_ms"] = compile_ms;
  r.stats["search_ms"] = search_ms;
  r.stats["time_ms"] = ms_since(t0);
  return r;
}

}  // namespace detail

}  // namespace faultline::checker
