// Internal: the shell text both backends use for Remote::spawn(), and the sudo wrapper.
#pragma once
#include <string>

#include "faultline/control/remote.h"

namespace faultline::control::detail {

// A command that starts `cmd` detached (setsid + nohup, stdin from /dev/null, output to the log
// file), has the daemon write its own pid to the pid file and prints that pid on stdout.
// `cmd` is exec'd by the daemon's shell, so it names one program (use `sh -c ...` for more).
std::string spawn_command(const std::string& cmd, const SpawnOptions& opts);

// Parses the pid printed by spawn_command(); throws RemoteError naming node and command.
int64_t parse_spawned_pid(const std::string& node, const std::string& cmd, const ExecResult& r);

// `sudo -n -- /bin/sh -c CMD`: run CMD as root without a password prompt.
std::string sudo_wrap(const std::string& cmd);

// Ignores SIGPIPE once per process (see remote.h).
void ignore_sigpipe_once();

}  // namespace faultline::control::detail
