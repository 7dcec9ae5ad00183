// `faultline check`: checks history files against a model for linearizability or sequential
// consistency and prints one line per file (verdict, ops, parse and check time), or with --json
// one JSON object per file (the full CheckResult plus file, model and timings).
// Exit: 0 all valid, 1 any invalid, 2 any unknown (and none invalid), 254 bad arguments (unknown
// model, unreadable file, parse error, ops the model does not understand).
#include <CLI/CLI.hpp>

#include <chrono>
#include <optional>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "faultline/checker/linearizability.h"
#include "faultline/checker/txn_causal_entry.h"
#include "faultline/checker/model_registry.h"
#include "faultline/core/error.h"
#include "faultline/core/formats.h"
#include "faultline/runner/run.h"

namespace faultline::cli {
namespace {

struct CheckArgs {
  std::string model;
  std::string consistency;  // empty: linearizable, or serializable for transactional models
  std::string format = "auto";
  bool json = false;
  double time_limit_s = 0;
  double memory_limit_mb = 1024;
  unsigned threads = 0;
  bool all_partitions = false;
  bool list_models = false;
  bool no_svg = false;
  std::string store;  // re-analyse a stored `faultline test` run
  std::vector<std::string> files;
};

double ms_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// The model a file means when --model is not given: etcd console logs are a cas-register,
// ops carrying keys a kv store. Empty when it cannot tell.
std::string default_model(const History& h, HistoryFormat detected) {
  if (detected == HistoryFormat::JepsenLog) return "cas-register";
  for (const Op& op : h.ops()) {
    if (!op.is_nemesis() && !op.key.is_null()) return "kv";
  }
  return {};
}

int list_models() {
  for (const auto& m : checker::list_models()) {
    std::printf("%-16s %s\n", m.name.c_str(), m.description.c_str());
  }
  return kExitValid;
}

// `check --store store/<test>/latest`: the run's own workload checker (Jepsen's analyze).
int check_store(const CheckArgs& a) {
  try {
    auto o = runner::check_stored_run(a.store);
    if (a.json) {
      std::cout << o.results.dump() << "\n";
    } else {
      std::cout << o.run_dir << ": " << o.results["valid"].dump() << "  workload="
                << o.results["workload"].dump().substr(0, 300) << "\n";
    }
    return o.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faultline check: %s\n", e.what());
    return kExitBadArgs;
  }
}

int run_check(const CheckArgs& a) {
  if (a.list_models) return list_models();
  if (!a.store.empty()) return check_store(a);
  if (a.files.empty()) {
    std::fprintf(stderr, "faultline check: no history FILE given (see --help)\n");
    return kExitBadArgs;
  }
  const auto fmt = history_format_from_string(a.format);
  if (!fmt) {
    std::fprintf(stderr, "faultline check: unknown --format '%s' (auto, jsonl, edn, jepsen-log)\n",
                 a.format.c_str());
    return kExitBadArgs;
  }
  const bool lin_family =
      a.consistency.empty() || a.consistency == "linearizable" || a.consistency == "sequential";
  checker::ConsistencyOptions options;
  options.consistency = a.consistency == "sequential" ? checker::Consistency::Sequential
                                                      : checker::Consistency::Linearizable;
  options.time_limit_s = a.time_limit_s;
  options.memory_limit_bytes = static_cast<uint64_t>(a.memory_limit_mb * 1024 * 1024);
  options.threads = a.threads;
  options.all_partitions = a.all_partitions;
  if (lin_family && a.model != "list-append" && a.model != "rw-register" && !a.model.empty() &&
      !checker::make_model(a.model)) {
    std::fprintf(stderr, "faultline check: unknown model '%s'; known models:\n", a.model.c_str());
    for (const auto& m : checker::list_models()) std::fprintf(stderr, "  %s\n", m.name.c_str());
    return kExitBadArgs;
  }

  bool any_invalid = false, any_unknown = false, any_bad = false;
  for (const std::string& file : a.files) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    History history;
    HistoryFormat detected = HistoryFormat::Auto;
    try {
      history = read_history_file(file, *fmt, &detected);
      history.pair();
    } catch (const ParseError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      any_bad = true;
      continue;
    } catch (const HistoryError& e) {
      std::fprintf(stderr, "%s: %s\n", file.c_str(), e.what());
      any_bad = true;
      continue;
    } catch (const std::runtime_error& e) {  // unreadable file
      std::fprintf(stderr, "%s\n", e.what());
      any_bad = true;
      continue;
    }
    const auto t1 = Clock::now();
    const std::string model_name = a.model.empty() ? default_model(history, detected) : a.model;
    // Transactional (list-append, rw-register) and causal/session checks.
    std::optional<CheckResult> other;
    try {
      other = checker::check_txn_or_causal(history, model_name, a.consistency,
                                           {.render_svg = !a.no_svg});
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "faultline check: %s\n", e.what());
      return kExitBadArgs;
    } catch (const std::exception& e) {  // the history does not fit the asked checker
      std::fprintf(stderr, "%s: %s\n", file.c_str(), e.what());
      any_bad = true;
      continue;
    }
    if (!other && !lin_family) {
      std::fprintf(stderr, "faultline check: --consistency %s does not apply to model '%s'\n",
                   a.consistency.c_str(), model_name.c_str());
      return kExitBadArgs;
    }
    if (model_name.empty() && !other) {
      std::fprintf(stderr,
                   "%s: cannot tell which model this history is for; pass --model "
                   "(faultline check --list-models lists them)\n",
                   file.c_str());
      any_bad = true;
      continue;
    }
    CheckResult result;
    try {
      if (other) {
        result = std::move(*other);
      } else {
        auto model = checker::make_model(model_name);
        result = checker::check_consistency(history, *model, options);
      }
    } catch (const checker::ModelError& e) {
      std::fprintf(stderr, "%s: %s\n", file.c_str(), e.what());
      any_bad = true;
      continue;
    }
    const auto t2 = Clock::now();
    const double parse_ms = ms_between(t0, t1), check_ms = ms_between(t1, t2);
    any_invalid |= result.verdict == Verdict::Invalid;
    any_unknown |= result.verdict == Verdict::Unknown;
    if (a.json) {
      Json j = result.to_json();
      j["file"] = file;
      j["model"] = model_name;
      j["consistency"] = other ? (a.consistency.empty() ? "serializable" : a.consistency)
                               : std::string(checker::to_string(options.consistency));
      j["format"] = std::string(to_string(detected));
      j["parse_ms"] = parse_ms;
      j["check_ms"] = check_ms;
      std::cout << j.dump() << "\n";
    } else {
      std::string line = file + ": " + std::string(to_string(result.verdict)) + "  model=" +
                         model_name + " ops=" + std::to_string(result.stats.value("ops", 0)) +
                         " partitions=" + std::to_string(result.stats.value("partitions", 0));
      char times[96];
      std::snprintf(times, sizeof times, " parse=%.2fms check=%.2fms", parse_ms, check_ms);
      line += times;
      if (result.verdict == Verdict::Unknown) line += "  (" + result.reason + ")";
      if (result.verdict == Verdict::Invalid && !result.anomalies.empty()) {
        line += "  " + result.anomalies[0].value("explanation", std::string());
      }
      std::cout << line << "\n";
    }
    std::cout.flush();
  }
  if (any_bad) return kExitBadArgs;
  if (any_invalid) return kExitInvalid;
  if (any_unknown) return kExitUnknown;
  return kExitValid;
}

CommandRun setup_check(CLI::App& sub) {
  auto args = std::make_shared<CheckArgs>();
  sub.add_option("--model,-m", args->model,
                 "Model to check against (see --list-models). Default: cas-register for etcd "
                 "console logs, kv when ops carry keys");
  sub.add_option("--consistency,-c", args->consistency,
                 "linearizable (default) or sequential; for --model list-append|rw-register a "
                 "transactional model (default serializable) (read-uncommitted ... serializable, strict-serializable); "
                 "for register histories causal, causal-memory, causal-convergence, "
                 "read-your-writes, monotonic-reads, monotonic-writes, writes-follow-reads");
  sub.add_flag("--no-svg", args->no_svg, "Do not render Graphviz SVGs of anomaly cycles");
  sub.add_option("--format,-f", args->format, "History format: auto, jsonl, edn, jepsen-log")
      ->check(CLI::IsMember({"auto", "jsonl", "edn", "jepsen-log"}));
  sub.add_flag("--json", args->json, "Print the full result of each file as one JSON line");
  sub.add_option("--time-limit", args->time_limit_s,
                 "Seconds per file before the verdict is unknown (0: none)")
      ->check(CLI::NonNegativeNumber);
  sub.add_option("--memory-limit-mb", args->memory_limit_mb,
                 "Memory for the search (memo and model state tables) before the verdict is "
                 "unknown")
      ->check(CLI::PositiveNumber);
  sub.add_flag("--all-partitions", args->all_partitions,
               "Search every partition (key) to report each invalid one, instead of stopping "
               "at the first (slower; within --time-limit)");
  sub.add_option("--threads", args->threads, "Threads checking partitions (0: one per core)");
  sub.add_flag("--list-models", args->list_models, "List the models and exit");
  sub.add_option("--store", args->store,
                 "Re-analyse a stored test run (store/<test>/latest or a run dir) with the "
                 "workload named in its test.json; rewrites its results.json");
  sub.add_option("files", args->files, "History files (JSON Lines, Jepsen EDN, Jepsen log)");
  return [args] { return run_check(*args); };
}

const CommandRegistrar reg("check", "Check histories for linearizability or sequential consistency",
                           &setup_check);

}  // namespace
}  // namespace faultline::cli
