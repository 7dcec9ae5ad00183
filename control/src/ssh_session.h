// Internal: one libssh2 session in non-blocking mode (TCP connect, optionally inside a netns;
// handshake; host-key check; public-key auth) plus the EAGAIN wait helper every libssh2 call
// goes through. Used by ssh_remote.cpp only.
#pragma once
#include <libssh2.h>
#include <libssh2_sftp.h>

#include <chrono>
#include <string>

#include "faultline/control/ssh_remote.h"

namespace faultline::control::detail {

using Clock = std::chrono::steady_clock;

// Why a connect attempt failed: only transient failures are retried.
enum class ConnectFailure { kTransient, kPermanent };

class SshConnectError : public RemoteError {
 public:
  SshConnectError(const std::string& node, const std::string& what, ConnectFailure kind)
      : RemoteError(node, "", what), kind_(kind) {}
  ConnectFailure kind() const { return kind_; }

 private:
  ConnectFailure kind_;
};

// Thrown by wait() when the deadline passes.
class SshTimeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SshSession {
 public:
  explicit SshSession(const SshRemoteOptions& opts);  // connects, verifies, authenticates
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  LIBSSH2_SESSION* raw() const { return session_; }
  // Lazily started SFTP subsystem of this session.
  LIBSSH2_SFTP* sftp(Clock::time_point deadline);

  // Blocks until the socket is ready in the direction libssh2 is waiting for, or throws
  // SshTimeout at the deadline.
  void wait(Clock::time_point deadline);
  // The last libssh2 error of this session, as text.
  std::string last_error() const;

  // Calls f() until it returns something other than LIBSSH2_ERROR_EAGAIN.
  template <class F>
  auto retry(F&& f, Clock::time_point deadline) {
    auto rc = f();
    while (rc == LIBSSH2_ERROR_EAGAIN) {
      wait(deadline);
      rc = f();
    }
    return rc;
  }
  // Same, for libssh2 calls that return a pointer (NULL + EAGAIN means "again").
  template <class F>
  auto retry_ptr(F&& f, Clock::time_point deadline) {
    auto p = f();
    while (p == nullptr && libssh2_session_last_errno(session_) == LIBSSH2_ERROR_EAGAIN) {
      wait(deadline);
      p = f();
    }
    return p;
  }

 private:
  void cleanup();
  void connect_socket(Clock::time_point deadline);
  void verify_host_key();
  void authenticate(Clock::time_point deadline);
  void authenticate_with_agent(Clock::time_point deadline);
  [[noreturn]] void fail(const std::string& what, ConnectFailure kind);

  const SshRemoteOptions& opts_;
  int sock_ = -1;
  LIBSSH2_SESSION* session_ = nullptr;
  LIBSSH2_SFTP* sftp_ = nullptr;
};

}  // namespace faultline::control::detail
