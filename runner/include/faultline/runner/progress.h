// Progress: what a running test shows on stderr — elapsed / remaining time of the main phase,
// ops ok / fail / info so far, and the faults in effect. On a terminal one line is rewritten in
// place (\r) a few times a second; otherwise (CI logs) a full line is printed every 5 s.
// Thread-safe: fault_event() comes from the nemesis thread, update() from the main thread.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include <faultline/core/op.h>

namespace faultline::runner {

class Progress {
 public:
  // enabled=false: prints nothing. force_tty: tests choose the style instead of isatty(2).
  Progress(bool enabled, double time_limit_s, int force_tty = -1, std::FILE* out = stderr);
  // Prints when due (tty: every 0.25 s, else every 5 s) or when `force`.
  void update(double elapsed_s, int64_t ok, int64_t fail, int64_t info, bool force = false);
  // A completed nemesis op (process nemesis, type info): start-*/stop-*/heal.
  void fault_event(const Op& op);
  void note(const std::string& text);
  void finish();
  // The text of the status line for these figures (no \r, no newline).
  std::string line(double elapsed_s, int64_t ok, int64_t fail, int64_t info);

 private:
  bool enabled_;
  bool tty_;
  double limit_;
  std::FILE* out_;
  std::mutex mu_;
  std::map<std::string, std::string> active_;  // fault id -> kind
  double last_print_ = -1e9;
  bool dirty_line_ = false;
};

}  // namespace faultline::runner
