// Internal: processes of this host, identified by pid + start time (field 22 of /proc/PID/stat)
// so a recycled pid is never mistaken for one we started.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace faultline::control::detail {

// Start time in clock ticks since boot, or 0 when the process does not exist.
uint64_t process_start_ticks(pid_t pid);
// True when pid exists, is not a zombie, and (when start_ticks != 0) started at start_ticks.
bool process_running(pid_t pid, uint64_t start_ticks);
// Pids whose parent is `parent`.
std::vector<pid_t> child_pids(pid_t parent);
// SIGKILLs pid when it is still the process we started, then waits (bounded) until it is gone
// or a zombie, reaping it if it is our child. Returns false if it was still running at the end.
bool kill_and_wait(pid_t pid, uint64_t start_ticks, int64_t timeout_ms);
// Starts argv detached in a new session (setsid), stdin from /dev/null, stdout+stderr appended
// to log_path. Returns the pid. Throws std::runtime_error on failure.
pid_t spawn_detached(const std::vector<std::string>& argv, const std::string& log_path);

}  // namespace faultline::control::detail
