// `faultline check`: checks history files against a model for linearizability or sequential
// consistency and prints one line per file (verdict, ops, parse and check time), or with --json
// one JSON object per file (the full CheckResult plus file, model and timings).
// With --html OUT.html each file also gets an HTML anomaly report (reports/): OUT.html for one
// file, OUT.<file stem>.html for each of several, and its summary is printed after its line.
// Exit: 0 all valid, 1 any invalid, 2 any unknown (and none invalid), 254 bad arguments (unknown
// model, unreadable file, parse error, ops the model does not understand).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "faultline/checker/consistency_stream.h"
#include "faultline/checker/linearizability.h"
#include "faultline/checker/txn_causal_entry.h"
#include "faultline/checker/model_registry.h"
#include "faultline/core/error.h"
#include "faultline/core/formats.h"
#include "faultline/reports/checkers.h"
#include "faultline/reports/report.h"
#include "faultline/reports/run_report.h"
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
  std::string html;   // --html OUT.html
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

// --html: the report of one checked file; returns the summary to print ("" on failure, said
// on stderr).
std::string write_html(const CheckArgs& a, const std::string& file, const History& history,
                       const CheckResult& result, const std::string& model, const std::string& consistency) {
  namespace fs = std::filesystem;
  std::string out = a.html;
  if (a.files.size() > 1) {
    const fs::path p(a.html);
    out = (p.parent_path() / (p.stem().string() + "." + fs::path(file).stem().string() + ".html")).string();
  }
  reports::ReportInput in;
  in.title = file;
  Json w = result.to_json();
  w["model"] = model;
  w["consistency"] = consistency;
  in.results = {{"valid", w["valid"]}, {"workload", w}, {"checkers", reports::composed_checkers(history)}};
  in.model = model;
  in.reproduce = "faultline check --model " + model +
                 (a.consistency.empty() ? "" : " --consistency " + a.consistency) + " " + file;
  std::error_code ec;
  const fs::path rel = fs::relative(fs::absolute(file), fs::absolute(out).parent_path(), ec);
  in.files.push_back({fs::path(file).filename().string() + " (history)", ec ? fs::absolute(file).string() : rel.string()});
  std::ofstream o(out, std::ios::binary | std::ios::trunc);
  o << reports::build_report(in, history);
  if (!o.flush()) {
    std::fprintf(stderr, "faultline check: cannot write %s\n", out.c_str());
    return "";
  }
  return reports::terminal_summary(in, out);
}

// `check --store store/<test>/latest`: the run's own workload checker (Jepsen's analyze).
int check_store(const CheckArgs& a) {
  try {
    auto o = runner::check_stored_run(a.store);
    if (a.json) {
      std::cout << o.results.dump() << "\n";
    } else {
      std::cout << o.run_dir << ": " << o.results["valid"].dump() << "  workload="
                << o.results["workload"].dump().substr(0, 300) << "\n"
                << reports::run_summary(o.run_dir);
    }
    return o.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faultline check: %s\n", e.what());
    return kExitBadArgs;
  }
}

// One file's outcome, however it was read.
struct FileCheck {
  CheckResult result;
  std::string model_name;
  HistoryFormat detected = HistoryFormat::Auto;
  bool other = false;  // transactional / causal / session check
  double parse_ms = 0, check_ms = 0;
  History history;  // kept by check_held only (the HTML report needs it)
};
enum class FileStatus { Checked, Bad, BadArgs };

// Reading or pairing failed: says why on stderr. Returns Bad.
FileStatus report_read_error(const std::string& file, const std::exception& e) {
  if (dynamic_cast<const HistoryError*>(&e) != nullptr ||
      dynamic_cast<const checker::ModelError*>(&e) != nullptr) {
    std::fprintf(stderr, "%s: %s\n", file.c_str(), e.what());
  } else {
    std::fprintf(stderr, "%s\n", e.what());  // ParseError (file:line:col) or unreadable file
  }
  return FileStatus::Bad;
}

// Linearizability / sequential checks stream the file into the checker (ConsistencyStream):
// the History is never held, so a file of millions of ops checks in a fraction of its size.
bool streamable(const CheckArgs& a) {
  const bool lin_family =
      a.consistency.empty() || a.consistency == "linearizable" || a.consistency == "sequential";
  // --html needs the whole history for the report's timeline, so it is read held.
  return lin_family && a.model != "list-append" && a.model != "rw-register" && a.html.empty();
}

// Streams one file through ConsistencyStream. Without --model, ops are held only until the
// first one carrying a key (then the model is kv, as default_model says) — all of them only
// when none has, and the file is then reported as needing --model.
FileStatus check_streamed(const CheckArgs& a, const checker::ConsistencyOptions& options,
                          const std::string& file, HistoryFormat fmt, FileCheck& out) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  std::unique_ptr<checker::Model> model;
  std::unique_ptr<checker::ConsistencyStream> stream;
  std::vector<Op> held;  // ops read before the model is known
  auto start = [&](const std::string& name) {
    out.model_name = name;
    model = checker::make_model(name);
    stream = std::make_unique<checker::ConsistencyStream>(*model, options);
    for (Op& op : held) stream->add(std::move(op));
    held = std::vector<Op>();
  };
  try {
    HistoryFileReader reader(file, fmt);
    out.detected = reader.format();
    if (!a.model.empty()) start(a.model);
    if (a.model.empty() && out.detected == HistoryFormat::JepsenLog) start("cas-register");
    reader.read([&](Op&& op) {
      if (stream) return stream->add(std::move(op));
      const bool keyed = !op.is_nemesis() && !op.key.is_null();
      held.push_back(std::move(op));
      if (keyed) start("kv");
    });
    if (!stream) {
      std::fprintf(stderr,
                   "%s: cannot tell which model this history is for; pass --model "
                   "(faultline check --list-models lists them)\n",
                   file.c_str());
      return FileStatus::Bad;
    }
    const auto t1 = Clock::now();
    out.result = stream->finish();
    out.parse_ms = ms_between(t0, t1);  // reading, pairing and compiling, interleaved
    out.check_ms = ms_between(t1, Clock::now());
  } catch (const std::runtime_error& e) {  // ParseError, HistoryError, ModelError, I/O
    return report_read_error(file, e);
  }
  return FileStatus::Checked;
}

// The History for the checks that hold it. For the transactional models an invocation's value
// is dropped as soon as its ok completion carries one: that value is the txn (txn_history.h:
// an ok txn's completion holds it), so each txn is held once, not twice.
History read_held(const std::string& file, HistoryFormat fmt, HistoryFormat* detected,
                  bool transactional) {
  if (!transactional) return read_history_file(file, fmt, detected);
  HistoryFileReader reader(file, fmt);
  *detected = reader.format();
  History h;
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(file, ec);  // ~one op per 64 bytes of file
  if (!ec) h.mutable_ops().reserve(std::min<size_t>(bytes / 64, size_t{16} << 20));
  OpPairer pairer(0);  // its HistoryError is the one pair() would throw
  int64_t pos = 0;
  reader.read([&](Op&& op) {
    const OpPairer::Pairing p = pairer.add(op, pos++);
    if (p.invocation >= 0 && op.type == OpType::Ok && !op.value.is_null()) {
      h.mutable_ops()[static_cast<size_t>(p.invocation)].value = nullptr;
    }
    h.add(std::move(op));
  });
  return h;
}

// Reads the whole History first: the transactional, causal and session checkers need it.
FileStatus check_held(const CheckArgs& a, const checker::ConsistencyOptions& options,
                      const std::string& file, HistoryFormat fmt, FileCheck& out) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const bool lin_family =
      a.consistency.empty() || a.consistency == "linearizable" || a.consistency == "sequential";
  History history;
  try {
    history = read_held(file, fmt, &out.detected,
                        a.model == "list-append" || a.model == "rw-register");
    history.pair();
  } catch (const std::runtime_error& e) {  // ParseError, HistoryError, unreadable file
    return report_read_error(file, e);
  }
  const auto t1 = Clock::now();
  out.model_name = a.model.empty() ? default_model(history, out.detected) : a.model;
  // Transactional (list-append, rw-register) and causal/session checks.
  std::optional<CheckResult> other;
  try {
    other = checker::check_txn_or_causal(history, out.model_name, a.consistency,
                                         {.render_svg = !a.no_svg});
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "faultline check: %s\n", e.what());
    return FileStatus::BadArgs;
  } catch (const std::exception& e) {  // the history does not fit the asked checker
    std::fprintf(stderr, "%s: %s\n", file.c_str(), e.what());
    return FileStatus::Bad;
  }
  if (!other && !lin_family) {
    std::fprintf(stderr, "faultline check: --consistency %s does not apply to model '%s'\n",
                 a.consistency.c_str(), out.model_name.c_str());
    return FileStatus::BadArgs;
  }
  if (out.model_name.empty() && !other) {
    std::fprintf(stderr,
                 "%s: cannot tell which model this history is for; pass --model "
                 "(faultline check --list-models lists them)\n",
                 file.c_str());
    return FileStatus::Bad;
  }
  try {
    if (other) {
      out.result = std::move(*other);
      out.other = true;
    } else {
      auto model = checker::make_model(out.model_name);
      out.result = checker::check_consistency(history, *model, options);
    }
  } catch (const checker::ModelError& e) {
    std::fprintf(stderr, "%s: %s\n", file.c_str(), e.what());
    return FileStatus::Bad;
  }
  out.parse_ms = ms_between(t0, t1);
  out.check_ms = ms_between(t1, Clock::now());
  if (!a.html.empty()) out.history = std::move(history);
  return FileStatus::Checked;
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
    FileCheck fc;
    const FileStatus st = streamable(a) ? check_streamed(a, options, file, *fmt, fc)
                                        : check_held(a, options, file, *fmt, fc);
    if (st == FileStatus::BadArgs) return kExitBadArgs;
    if (st == FileStatus::Bad) {
      any_bad = true;
      continue;
    }
    const CheckResult& result = fc.result;
    const std::string& model_name = fc.model_name;
    const HistoryFormat detected = fc.detected;
    const bool other = fc.other;
    const double parse_ms = fc.parse_ms, check_ms = fc.check_ms;
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
    if (!a.html.empty()) {
      const std::string summary =
          write_html(a, file, fc.history, result, model_name,
                     other ? (a.consistency.empty() ? "serializable" : a.consistency)
                           : std::string(checker::to_string(options.consistency)));
      if (summary.empty()) any_bad = true;
      else if (!a.json) std::cout << summary;
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
  sub.add_option("--html", args->html,
                 "Also write an HTML anomaly report (OUT.html; OUT.<file>.html for several files)");
  sub.add_option("files", args->files, "History files (JSON Lines, Jepsen EDN, Jepsen log)");
  return [args] { return run_check(*args); };
}

const CommandRegistrar reg("check", "Check histories for linearizability or sequential consistency",
                           &setup_check);

}  // namespace
}  // namespace faultline::cli
