// SshRemote: the Remote API over SSH (libssh2, kept out of this header).
//
// Contract:
// - One SSH session per remote, opened on first use and reused; each exec() opens one channel.
//   A session that fails before a command was sent is reopened (bounded attempts, exponential
//   backoff); a failure after the command was sent is a RemoteError (the command may have run,
//   so it is never silently re-run).
// - Host keys are verified against `known_hosts_path` (OpenSSH format, hashed entries and
//   [host]:port entries included). A key that differs from the recorded one is always refused,
//   with a message saying so; a host missing from the file is refused unless
//   strict_host_key_checking is false. With strict_host_key_checking false no check is made.
// - Auth: public key from `private_key_path` (OpenSSH format; ed25519 recommended: libssh2 1.10
//   signs RSA with SHA-1, which OpenSSH >= 8.8 refuses), or every identity of the ssh-agent at
//   $SSH_AUTH_SOCK when the path is empty.
// - exec(): the command runs under /bin/sh -c in its own process group; stdout and stderr are
//   separate; on timeout the group is killed (via a second channel) and RemoteError is thrown.
//   ExecOptions::sudo wraps the command in `sudo -n` when `user` is not root.
// - upload/download use SFTP as the login user.
// - When `netns` is set, the TCP socket is created inside that network namespace (see netns.h):
//   a local cluster's nodes are reached only from its control namespace.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "faultline/control/remote.h"

namespace faultline::control {

struct SshRemoteOptions {
  std::string node;               // name used in errors (e.g. "n1")
  std::string host;               // address or DNS name to connect to
  int port = 22;
  std::string user = "root";
  std::string private_key_path;   // empty: use the ssh-agent
  std::string passphrase;         // for an encrypted private key
  std::string known_hosts_path;   // required when strict_host_key_checking
  bool strict_host_key_checking = true;
  std::string netns;              // open the socket inside /run/netns/<netns> when non-empty
  int64_t connect_timeout_ms = 5'000;     // TCP connect + handshake + auth, per attempt
  int max_connect_attempts = 3;           // >= 1
  int64_t backoff_initial_ms = 100;       // doubles per attempt, capped at backoff_max_ms
  int64_t backoff_max_ms = 2'000;
  int64_t transfer_timeout_ms = 600'000;  // one upload or download
  size_t max_output_bytes = 64u << 20;    // per stream, per exec
};

std::unique_ptr<Remote> make_ssh_remote(SshRemoteOptions opts);

}  // namespace faultline::control
