#include "faultline/runner/progress.h"

#include <unistd.h>

#include <cstdio>

namespace faultline::runner {

Progress::Progress(bool enabled, double time_limit_s, int force_tty, std::FILE* out)
    : enabled_(enabled),
      tty_(force_tty >= 0 ? force_tty != 0 : ::isatty(fileno(out)) != 0),
      limit_(time_limit_s),
      out_(out) {}

std::string Progress::line(double elapsed_s, int64_t ok, int64_t fail, int64_t info) {
  std::string faults;
  {
    std::map<std::string, int> kinds;
    for (const auto& [id, kind] : active_) ++kinds[kind];
    for (const auto& [k, n] : kinds)
      faults += (faults.empty() ? "" : ",") + k + (n > 1 ? "x" + std::to_string(n) : "");
  }
  double remaining = limit_ - elapsed_s;
  if (remaining < 0) remaining = 0;
  char buf[256];
  std::snprintf(buf, sizeof buf, "[%6.1fs, %5.1fs left] ok %lld  fail %lld  info %lld  faults: %s",
                elapsed_s, remaining, static_cast<long long>(ok), static_cast<long long>(fail),
                static_cast<long long>(info), faults.empty() ? "none" : faults.c_str());
  return buf;
}

void Progress::update(double elapsed_s, int64_t ok, int64_t fail, int64_t info, bool force) {
  if (!enabled_) return;
  std::lock_guard lk(mu_);
  const double every = tty_ ? 0.25 : 5.0;
  if (!force && elapsed_s - last_print_ < every) return;
  last_print_ = elapsed_s;
  const std::string l = line(elapsed_s, ok, fail, info);
  if (tty_) {
    std::fprintf(out_, "\r%-100s", l.c_str());
    dirty_line_ = true;
  } else {
    std::fprintf(out_, "%s\n", l.c_str());
  }
  std::fflush(out_);
}

void Progress::fault_event(const Op& op) {
  std::lock_guard lk(mu_);
  if (op.f == "heal") {
    active_.clear();
    return;
  }
  if (!op.value.is_object() || op.value.contains("error")) return;
  const std::string id = op.value.value("fault", std::string());
  if (id.empty()) return;
  if (op.f.rfind("start-", 0) == 0) active_[id] = op.f.substr(6);
  else if (op.f.rfind("stop-", 0) == 0) active_.erase(id);
}

void Progress::note(const std::string& text) {
  if (!enabled_) return;
  std::lock_guard lk(mu_);
  if (dirty_line_) std::fputc('\n', out_);
  dirty_line_ = false;
  std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
}

void Progress::finish() {
  if (!enabled_) return;
  std::lock_guard lk(mu_);
  if (dirty_line_) std::fputc('\n', out_);
  dirty_line_ = false;
  std::fflush(out_);
}

}  // namespace faultline::runner
