// check_consistency: compile, search partitions (linearizability_run.cpp), combine, build the
// witness.
#include "faultline/checker/linearizability.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <thread>

#include "faultline/core/assert.h"
#include "linearizability_compile.h"
#include "linearizability_product.h"
#include "linearizability_run.h"
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

// The searched partitions and their results, and what the result builders need.
struct Searched {
  std::function<int64_t(int64_t)> index_at;  // Op::index of the op at a history position
  const ConsistencyOptions* options = nullptr;
  std::vector<const detail::CompiledPartition*> parts;
  std::vector<detail::PartitionResult> results;

  const detail::SearchOutcome& outcome(size_t i) const { return results[i].outcome; }
  Json prefixes_json(size_t i) const {
    Json arr = Json::array();
    const auto& r = results[i];
    for (const auto& pre : r.outcome.prefixes) {
      Json state = r.machine ? r.machine->describe(pre.state) : Json(nullptr);
      arr.push_back({{"order", positions(*parts[i], pre.order)}, {"state", std::move(state)}});
    }
    return arr;
  }
  const char* what() const {
    return options->consistency == Consistency::Linearizable ? "linearizable"
                                                             : "sequentially consistent";
  }
};

void invalid_result(const Searched& s, const std::vector<size_t>& invalid, CheckResult& r) {
  Json keys = Json::array();
  for (size_t i : invalid) {
    const auto& o = s.outcome(i);
    const auto& part = *s.parts[i];
    keys.push_back(part.key);
    Json anomaly = {{"type", s.options->consistency == Consistency::Linearizable
                                 ? "not-linearizable"
                                 : "not-sequentially-consistent"},
                    {"partition", part.key}};
    if (o.blocking_op >= 0) {
      const int64_t pos = part.invoke_pos[static_cast<size_t>(o.blocking_op)];
      anomaly["op"] = pos;
      anomaly["explanation"] =
          "op at position " + std::to_string(pos) + " (index " +
          std::to_string(s.index_at(pos)) +
          ") cannot be placed after the longest " + s.what() + " prefix (" +
          std::to_string(o.max_linearized) + " ops)";
    } else {
      anomaly["explanation"] = std::string("no ") + s.what() + " order exists";
    }
    r.anomalies.push_back(std::move(anomaly));
  }
  const size_t i = invalid.front();
  const auto& o = s.outcome(i);
  Json w = {{"partition", s.parts[i]->key},
            {"max_linearized", o.max_linearized},
            {"prefixes", s.prefixes_json(i)},
            {"invalid_partitions", std::move(keys)}};
  if (o.blocking_op >= 0) w["op"] = s.parts[i]->invoke_pos[static_cast<size_t>(o.blocking_op)];
  r.witness = std::move(w);
}

// Budget ran out: how far every partition got.
void unknown_result(const Searched& s, size_t first_unknown, CheckResult& r) {
  r.reason = budget_reason(s.outcome(first_unknown).reason, *s.options);
  Json parts = Json::array(), prog = Json::array();
  int64_t valid = 0, unknown = 0;
  for (size_t i = 0; i < s.parts.size(); ++i) {
    const auto& o = s.outcome(i);
    Json p = {{"key", s.parts[i]->key},
              {"verdict", std::string(to_string(o.verdict))},
              {"ops", s.parts[i]->size()},
              {"max_linearized", o.verdict == Verdict::Valid
                                     ? static_cast<int64_t>(o.order.size())
                                     : o.max_linearized}};
    if (o.verdict == Verdict::Valid) {
      ++valid;
    } else {
      ++unknown;
      if (!o.prefixes.empty()) p["order"] = positions(*s.parts[i], o.prefixes.front().order);
      if (prog.size() < 16) {
        prog.push_back({{"partition", s.parts[i]->key},
                        {"ops", s.parts[i]->size()},
                        {"max_linearized", o.max_linearized}});
      }
    }
    parts.push_back(std::move(p));
  }
  r.stats["progress"] = {{"partitions_valid", valid},
                         {"partitions_unknown", unknown},
                         {"unfinished", std::move(prog)}};
  r.witness = {{"partition", s.parts[first_unknown]->key},
               {"max_linearized", s.outcome(first_unknown).max_linearized},
               {"prefixes", s.prefixes_json(first_unknown)},
               {"partitions", std::move(parts)}};
}

void valid_result(const Searched& s, CheckResult& r) {
  Json ps = Json::array();
  for (size_t i = 0; i < s.parts.size(); ++i) {
    const auto& part = *s.parts[i];
    const auto& o = s.outcome(i);
    std::vector<uint8_t> placed(part.size(), 0);
    for (int32_t op : o.order) placed[static_cast<size_t>(op)] = 1;
    Json omitted = Json::array();
    for (size_t op = 0; op < part.size(); ++op) {
      if (!placed[op]) omitted.push_back(part.invoke_pos[op]);
    }
    ps.push_back({{"key", part.key},
                  {"order", positions(part, o.order)},
                  {"omitted", std::move(omitted)}});
  }
  r.witness = {{"partitions", std::move(ps)}};
}

// Verdict, anomalies and witness from the partitions' outcomes.
void combine_results(const Searched& s, CheckResult& r) {
  std::vector<size_t> invalid;
  size_t first_unknown = s.parts.size();
  for (size_t i = 0; i < s.parts.size(); ++i) {
    const auto& o = s.outcome(i);
    if (o.verdict == Verdict::Invalid) invalid.push_back(i);
    if (o.verdict == Verdict::Unknown && o.reason != "cancelled" && first_unknown == s.parts.size()) {
      first_unknown = i;
    }
  }
  if (!invalid.empty()) {
    r.verdict = Verdict::Invalid;
    invalid_result(s, invalid, r);
  } else if (first_unknown < s.parts.size()) {
    r.verdict = Verdict::Unknown;
    unknown_result(s, first_unknown, r);
  } else {
    r.verdict = Verdict::Valid;
    valid_result(s, r);
  }
}

using SearchDeadline = std::optional<Clock::time_point>;

SearchDeadline deadline_of(const ConsistencyOptions& options, Clock::time_point t0) {
  if (options.time_limit_s <= 0) return std::nullopt;
  return t0 + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(options.time_limit_s));
}

// Pruning decides an invalid partition fast but cuts every doomed branch early, so its longest
// prefix is short and the op it names may be legal after it. For the witness, the first
// invalid partitions are searched again without pruning, on a small budget of their own (at most
// 1 s, never past the check's deadline); a decided re-search replaces the pruned outcome (the
// verdict is the same: both searches are exact), an undecided one leaves it as it was.
void refine_invalid_witnesses(Searched& s, const detail::RunConfig& config,
                              const ConsistencyOptions& options, const SearchDeadline& deadline) {
  size_t refined = 0;
  for (size_t i = 0; i < s.parts.size() && refined < 4; ++i) {
    if (s.outcome(i).verdict != Verdict::Invalid) continue;
    ++refined;
    detail::SearchBudget b;
    b.memory.limit_bytes = options.memory_limit_bytes;
    b.deadline = Clock::now() + std::chrono::seconds(1);
    if (deadline && *deadline < *b.deadline) b.deadline = deadline;
    detail::RunConfig c = config;
    c.tuning.prune = false;
    c.threads = 1;
    auto again = detail::search_partitions({s.parts[i]}, b, c);
    if (!again.empty() && again[0].outcome.verdict == Verdict::Invalid)
      s.results[i] = std::move(again[0]);
  }
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
  detail::CompiledHistory compiled =
      detail::compile_history(*h, model, deadline_of(options, t0));
  return detail::check_compiled(compiled, model, options, t0, [h](int64_t pos) {
    return h->ops()[static_cast<size_t>(pos)].index;
  });
}

namespace detail {

CheckResult check_compiled(CompiledHistory& compiled, const Model& model,
                           const ConsistencyOptions& options, Clock::time_point t0,
                           const std::function<int64_t(int64_t)>& index_at) {
  const double compile_ms = ms_since(t0);
  detail::SearchBudget budget;
  budget.memory.limit_bytes = options.memory_limit_bytes;
  budget.deadline = deadline_of(options, t0);
  const auto t1 = Clock::now();
  Searched s;
  s.index_at = index_at;
  s.options = &options;
  // Linearizability is local (P-compositional), sequential consistency is not: for it the
  // partitions are merged back and run by a product machine.
  std::optional<detail::MergedPartitions> merged;
  if (options.consistency == Consistency::Sequential && compiled.partitions.size() > 1) {
    merged = detail::merge_partitions(compiled.partitions);
    s.parts.push_back(&merged->merged);
  } else {
    for (const auto& p : compiled.partitions) s.parts.push_back(&p);
  }
  detail::RunConfig config;
  config.consistency = options.consistency;
  config.stop_at_first_invalid = !options.all_partitions;
  config.threads = options.threads ? options.threads : std::thread::hardware_concurrency();
  config.tuning.prune = options.prune;
  config.new_machine = [&]() {
    return merged ? detail::product_machine(model, compiled.values, *merged)
                  : model.machine(compiled.values);
  };
  if (compiled.timed_out) budget.cancel.store(true);  // nothing searched: all unknown below
  s.results = detail::search_partitions(s.parts, budget, config);
  if (config.tuning.prune && !compiled.timed_out)
    refine_invalid_witnesses(s, config, options, budget.deadline);
  const double search_ms = ms_since(t1);

  CheckResult r;
  if (compiled.timed_out) {
    r.verdict = Verdict::Unknown;
    r.reason = budget_reason("time limit", options) + " while compiling the history";
    r.stats["progress"] = {{"compiled_ops", compiled.client_ops}};
  } else {
    combine_results(s, r);
  }
  int64_t memo_entries = 0, steps = 0, pruned = 0, checked_ops = 0;
  uint64_t memo_bytes = 0, model_bytes = 0;
  for (size_t i = 0; i < s.parts.size(); ++i) {
    const auto& o = s.outcome(i);
    if (s.results[i].machine) model_bytes += s.results[i].machine->memory_bytes();
    checked_ops += static_cast<int64_t>(s.parts[i]->size());
    memo_entries += o.memo_entries;
    memo_bytes += o.memo_bytes;
    steps += o.steps;
    pruned += o.pruned;
  }
  r.stats["model"] = std::string(model.name());
  r.stats["consistency"] = std::string(to_string(options.consistency));
  r.stats["ops"] = compiled.client_ops;
  r.stats["checked_ops"] = checked_ops;
  r.stats["dropped_fail_ops"] = compiled.dropped_fail;
  r.stats["dropped_unknown_ops"] = compiled.dropped_unknown;
  r.stats["partitions"] = s.parts.size();
  r.stats["memo_entries"] = memo_entries;
  r.stats["memo_bytes"] = memo_bytes;
  r.stats["model_state_bytes"] = model_bytes;
  r.stats["steps"] = steps;
  r.stats["pruned_steps"] = pruned;
  r.stats["compile_ms"] = compile_ms;
  r.stats["search_ms"] = search_ms;
  r.stats["time_ms"] = ms_since(t0);
  return r;
}

}  // namespace detail

}  // namespace faultline::checker
