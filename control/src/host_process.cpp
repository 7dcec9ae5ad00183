// Host process helpers for the local cluster: /proc parsing, careful kills, detached spawns.
#include "host_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace faultline::control::detail {
namespace {

struct StatFields {
  char state = '?';
  pid_t ppid = 0;
  uint64_t start_ticks = 0;
};

bool read_stat(pid_t pid, StatFields& out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  // Fields from 3 on: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice num_threads itrealvalue starttime(22).
  std::vector<std::string> f;
  while (rest >> field && f.size() < 20) f.push_back(field);
  if (f.size() < 20) return false;
  out.state = f[0].empty() ? '?' : f[0][0];
  out.ppid = static_cast<pid_t>(std::stol(f[1]));
  out.start_ticks = std::stoull(f[19]);
  return true;
}

}  // namespace

uint64_t process_start_ticks(pid_t pid) {
  StatFields s;
  return pid > 0 && read_stat(pid, s) ? s.start_ticks : 0;
}

bool process_running(pid_t pid, uint64_t start_ticks) {
  StatFields s;
  if (pid <= 0 || !read_stat(pid, s)) return false;
  if (s.state == 'Z' || s.state == 'X') return false;
  return start_ticks == 0 || s.start_ticks == start_ticks;
}

std::vector<pid_t> child_pids(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0') continue;
    StatFields s;
    if (read_stat(static_cast<pid_t>(pid), s) && s.ppid == parent) out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(d);
  return out;
}

bool kill_and_wait(pid_t pid, uint64_t start_ticks, int64_t timeout_ms) {
  if (pid <= 1 || start_ticks == 0) return true;  // never recorded: nothing of ours to kill
  if (!process_running(pid, start_ticks)) {
    ::waitpid(pid, nullptr, WNOHANG);  // reap it if it is our zombie child
    return true;
  }
  ::kill(pid, SIGKILL);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    ::waitpid(pid, nullptr, WNOHANG);
    if (!process_running(pid, start_ticks)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return !process_running(pid, start_ticks);
}

pid_t spawn_detached(const std::vector<std::string>& argv, const std::string& log_path) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);  // undo an ignored SIGPIPE in the child
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

}  // namespace faultline::control::detail
