// Shell text shared by the Remote backends (spawn, sudo) and the SIGPIPE policy.
#include "spawn_command.h"

#include <csignal>
#include <mutex>

namespace faultline::control::detail {
namespace {

bool is_env_name(const std::string& k) {
  if (k.empty() || (k[0] >= '0' && k[0] <= '9')) return false;
  for (char c : k) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string spawn_command(const std::string& cmd, const SpawnOptions& opts) {
  if (opts.pid_file.empty() || opts.log_file.empty()) {
    throw std::invalid_argument("spawn: pid_file and log_file are required");
  }
  // The inner shell writes its own pid ($$) and then execs the daemon, so the pid file holds the
  // daemon's pid. It is a background job of a non-interactive shell, hence not a process-group
  // leader, so setsid(1) calls setsid() in place instead of forking: $! is that same pid.
  std::string inner = "echo $$ > ";
  inner += shell_quote(opts.pid_file);
  inner += " && exec ";
  inner += cmd;
  std::string out;
  // `cd DIR || exit`, not `cd DIR && ...`: an and-list ending in `&` would run in a subshell
  // and $! would name that subshell instead of the daemon.
  if (!opts.chdir.empty()) out += "cd " + shell_quote(opts.chdir) + " || exit 1; ";
  out += "env";
  for (const auto& [k, v] : opts.env) {
    if (!is_env_name(k)) throw std::invalid_argument("spawn: bad environment variable name: " + k);
    out += ' ';
    out += shell_quote(k + "=" + v);
  }
  out += " setsid nohup /bin/sh -c " + shell_quote(inner) + " > " + shell_quote(opts.log_file) +
         " 2>&1 < /dev/null & echo $!";
  return out;
}

int64_t parse_spawned_pid(const std::string& node, const std::string& cmd, const ExecResult& r) {
  if (!r.ok()) {
    throw RemoteError(node, cmd, "spawn failed with exit status " + std::to_string(r.exit_status) +
                                     ": " + r.err);
  }
  try {
    size_t used = 0;
    int64_t pid = std::stoll(r.out, &used);
    if (pid > 0) return pid;
  } catch (const std::exception&) {
  }
  throw RemoteError(node, cmd, "spawn printed no pid (stdout: " + r.out + ")");
}

std::string sudo_wrap(const std::string& cmd) { return "sudo -n -- /bin/sh -c " + shell_quote(cmd); }

void ignore_sigpipe_once() {
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

}  // namespace faultline::control::detail
