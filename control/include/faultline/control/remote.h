// Remote: how the control node runs things on a node (Jepsen's control/remote).
//
// Backends: SshRemote (libssh2, known_hosts verified) and LocalRemote (Boost.Process, for nodes
// that are this machine). Tests of code that drives nodes use a FakeRemote that records commands.
// Every command string passed to exec() must be built with shell_quote()/shell_join(); a Remote
// runs it with `/bin/sh -c` on the node.
//
// Errors: exec() returns the exit status (non-zero is not an exception); RemoteError is thrown
// when the node cannot be reached or the command times out, and names node + command.
// A command that times out is killed (its whole process group) before exec() throws.
// A Remote is used by one thread at a time; callers that share one serialise on it.
// Constructing a backend ignores SIGPIPE process-wide (a node closing a pipe or socket must be
// an error return, not the death of the control process).
//
// Factories: make_ssh_remote() in ssh_remote.h, make_local_remote() in local_remote.h.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::control {

struct ExecResult {
  int exit_status = -1;  // -1 when killed by a signal / unknown
  std::string out;
  std::string err;
  std::string exit_signal;  // e.g. "KILL" when the command died of a signal, else empty
  bool ok() const { return exit_status == 0; }
};

struct ExecOptions {
  int64_t timeout_ms = 60'000;
  std::string stdin_data;  // fed to the command's stdin
  bool sudo = false;       // wrap in sudo when the login user is not root
};

struct SpawnOptions {
  std::string pid_file;    // where the daemon's pid is written (required)
  std::string log_file;    // stdout+stderr go here (required)
  std::string chdir;       // working directory, empty = home
  std::vector<std::pair<std::string, std::string>> env;  // extra environment
};

class RemoteError : public std::runtime_error {
 public:
  RemoteError(std::string node, std::string command, const std::string& what);
  const std::string& node() const { return node_; }
  const std::string& command() const { return command_; }

 private:
  std::string node_;
  std::string command_;
};

class Remote {
 public:
  virtual ~Remote() = default;
  // Name of the node this Remote reaches (used in errors and logs).
  virtual const std::string& node() const = 0;
  // Runs `cmd` with /bin/sh -c on the node.
  virtual ExecResult exec(const std::string& cmd, const ExecOptions& opts = {}) = 0;
  virtual void upload(const std::string& local_path, const std::string& remote_path,
                      int mode = 0644) = 0;
  virtual void download(const std::string& remote_path, const std::string& local_path) = 0;
  // Starts `cmd` in the background detached from the session (setsid + nohup), writing its pid
  // to opts.pid_file and its output to opts.log_file; returns the pid.
  virtual int64_t spawn(const std::string& cmd, const SpawnOptions& opts) = 0;
  // Closes the connection; the next call reconnects.
  virtual void disconnect() {}
};

// POSIX-shell quoting: the result is one word for /bin/sh whatever `s` contains
// (quotes, $, backticks, newlines, NUL is rejected with std::invalid_argument).
std::string shell_quote(std::string_view s);
// Quotes each argument and joins them with spaces.
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace faultline::control
