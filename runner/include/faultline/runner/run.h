// run_test: one `faultline test` run, start to stored verdict (Jepsen's core/run!).
//
// Lifecycle: store dir + test.json → nodes (a fresh local cluster, an existing one, real hosts,
// or local processes) → install → setup + start on every node → wait until serving → clients
// (one thread per process, `concurrency` of them, driven by the workload's seeded generator)
// and the nemesis schedule, concurrently, until the time limit (or a stop request) → heal every
// fault → wait until the system serves again (bounded by recovery_timeout_s) → final-phase ops →
// teardown (unless leave_running) → pull node logs into nodes/<node>/ → workload.check → results
// → latest links.
//
// Every phase runs in a try block: an error (setup, nemesis, teardown, ...) is recorded in
// results.json "errors" as {"phase", "error"} and the run goes on to the analysis, which always
// runs on the history recorded so far.
//
// History: history.jsonl gets one line per op in recording order, flushed to the OS as each op
// completes (crash-safe: a flush carries every earlier line, so only invocations nobody has
// seen complete can be lost), time = ns since the run started; client processes 0..concurrency-1, a process
// that got `info` is retired and process id + concurrency continues with a fresh client;
// nemesis ops come from the schedule runner (process "nemesis").
// schedule.jsonl: one line per generated client op (generator's schedule record, "type":"op")
// and one per planned fault event ("type":"fault").
//
// results.json: {"valid": true|false|"unknown", "workload": <checker result>, "errors": [...],
//   "stats": {"ok","fail","info","invocations","nemesis_ops"}, "recovered": bool|null,
//   "timings_s": {...}, "crashed": bool, "run_dir", "exit_code"}.
// Exit code: 1 invalid; else 255 when setup failed or the run crashed (no trustworthy run);
// else 2 unknown; else 0.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include <faultline/core/history.h>
#include <faultline/core/op.h>

#include "faultline/runner/spec.h"

namespace faultline::runner {

struct RunOptions {
  // Progress on stderr while running (\r-updating on a tty, a line every few seconds otherwise).
  bool progress = true;
  // Set (e.g. from a signal handler) to end the main phase early; heal etc. still run.
  const std::atomic<bool>* stop = nullptr;
  // Called once the run dir exists (tests use it to find the run of a process they kill).
  std::function<void(const std::string& run_dir)> on_run_dir;
};

struct RunOutcome {
  std::string run_dir;
  Json results;
  int exit_code = 255;
};

// Validates the spec (SpecError) and runs it. Other exceptions only escape when not even the
// store dir could be made.
RunOutcome run_test(const TestSpec& spec, const RunOptions& opts = {});

// Re-analyses a stored run (Jepsen's analyze): reads test.json and history.jsonl (a torn last
// line is ignored) of `run_dir`, checks with the workload named in test.json and rewrites
// results.json (keeping the original run's "errors"). Returns the outcome as run_test would.
RunOutcome check_stored_run(const std::string& run_dir);

// Exit code for a results object (see above).
int exit_code_for(const Json& results);

}  // namespace faultline::runner
