// SshRemote: exec over channels of one reused libssh2 session, SFTP transfers, bounded reconnect.
#include "faultline/control/ssh_remote.h"

#include <unistd.h>

#include <array>
#include <fstream>
#include <optional>
#include <thread>

#include "spawn_command.h"
#include "ssh_session.h"

namespace faultline::control {
namespace {

using detail::Clock;
using detail::SshSession;
using detail::SshTimeout;

// Every exec'd command first reports its process-group id on stderr (the login shell is a
// session leader, so $$ is the group), then becomes /bin/sh -c CMD. On timeout we kill the group.
constexpr std::string_view kPgidMarker = "FLPGID:";

std::string sftp_error_text(unsigned long code) {
  switch (code) {
    case LIBSSH2_FX_NO_SUCH_FILE: return "no such file";
    case LIBSSH2_FX_PERMISSION_DENIED: return "permission denied";
    case LIBSSH2_FX_NO_SUCH_PATH: return "no such path";
    case LIBSSH2_FX_FILE_ALREADY_EXISTS: return "file exists";
    case LIBSSH2_FX_WRITE_PROTECT: return "write protected";
    case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM: return "no space left";
    case LIBSSH2_FX_QUOTA_EXCEEDED: return "quota exceeded";
    case LIBSSH2_FX_NOT_A_DIRECTORY: return "not a directory";
    default: return "SFTP error " + std::to_string(code);
  }
}

class SshRemote final : public Remote {
 public:
  explicit SshRemote(SshRemoteOptions opts) : opts_(std::move(opts)) {
    detail::ignore_sigpipe_once();
    if (opts_.node.empty()) opts_.node = opts_.host;
    if (opts_.max_connect_attempts < 1) opts_.max_connect_attempts = 1;
  }

  const std::string& node() const override { return opts_.node; }

  void disconnect() override { session_.reset(); }

  ExecResult exec(const std::string& cmd, const ExecOptions& eo) override {
    std::string wrapped = "echo " + std::string(kPgidMarker) + "$$ >&2; exec ";
    wrapped += (eo.sudo && opts_.user != "root") ? detail::sudo_wrap(cmd)
                                                : "/bin/sh -c " + shell_quote(cmd);
    const auto deadline = Clock::now() + std::chrono::milliseconds(eo.timeout_ms);
    LIBSSH2_CHANNEL* channel = open_channel(cmd, deadline);
    SshSession& s = *session_;
    struct ChannelGuard {
      LIBSSH2_CHANNEL* c;
      ~ChannelGuard() {
        if (c) libssh2_channel_free(c);
      }
    } guard{channel};

    ExecResult result;
    std::string err_raw;
    output_overflow_ = false;
    try {
      int rc = s.retry([&] { return libssh2_channel_exec(channel, wrapped.c_str()); }, deadline);
      if (rc != 0) {
        // The request was refused before anything ran; the session may be broken.
        std::string why = s.last_error();
        guard.c = nullptr;
        libssh2_channel_free(channel);
        session_.reset();
        throw RemoteError(opts_.node, cmd, "exec request refused: " + why);
      }
      pump(s, channel, eo.stdin_data, result.out, err_raw, cmd, deadline);
      s.retry([&] { return libssh2_channel_close(channel); }, deadline);
      s.retry([&] { return libssh2_channel_wait_closed(channel); }, deadline);
    } catch (const RemoteError&) {
      // The transport failed mid-command (e.g. the node crashed): this session is done; the
      // next call reconnects. Freeing the session frees its channels.
      guard.c = nullptr;
      session_.reset();
      throw;
    } catch (const SshTimeout&) {
      guard.c = nullptr;
      abandon_channel(channel, err_raw);
      throw RemoteError(opts_.node, cmd,
                        (output_overflow_ ? "output exceeded " + std::to_string(opts_.max_output_bytes) + " bytes"
                                          : "timed out after " + std::to_string(eo.timeout_ms) + " ms") +
                            "; killed its process group");
    }
    result.err = strip_pgid_marker(err_raw);
    result.exit_status = libssh2_channel_get_exit_status(channel);
    char* sig = nullptr;
    size_t sig_len = 0;
    if (libssh2_channel_get_exit_signal(channel, &sig, &sig_len, nullptr, nullptr, nullptr,
                                        nullptr) == 0 &&
        sig != nullptr) {
      result.exit_signal.assign(sig, sig_len);
      result.exit_status = -1;
      libssh2_free(s.raw(), sig);
    }
    return result;
  }

  void upload(const std::string& local_path, const std::string& remote_path, int mode) override {
    const std::string what = "upload " + local_path + " -> " + remote_path;
    std::ifstream in(local_path, std::ios::binary);
    if (!in) throw RemoteError(opts_.node, what, "cannot read local file");
    const auto deadline = Clock::now() + std::chrono::milliseconds(opts_.transfer_timeout_ms);
    ensure_session(what);
    SshSession& s = *session_;
    try {
      LIBSSH2_SFTP* sftp = s.sftp(deadline);
      LIBSSH2_SFTP_HANDLE* h = s.retry_ptr(
          [&] {
            return libssh2_sftp_open_ex(sftp, remote_path.c_str(),
                                        static_cast<unsigned>(remote_path.size()),
                                        LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC,
                                        mode, LIBSSH2_SFTP_OPENFILE);
          },
          deadline);
      if (h == nullptr) throw RemoteError(opts_.node, what, sftp_failure(sftp));
      std::array<char, 32768> buf{};
      bool ok = true;
      while (ok && in) {
        in.read(buf.data(), buf.size());
        size_t n = static_cast<size_t>(in.gcount());
        size_t off = 0;
        while (off < n) {
          ssize_t w = s.retry([&] { return libssh2_sftp_write(h, buf.data() + off, n - off); }, deadline);
          if (w < 0) {
            ok = false;
            break;
          }
          off += static_cast<size_t>(w);
        }
      }
      // The open mode applies only to a new file (and through the umask): set it explicitly.
      LIBSSH2_SFTP_ATTRIBUTES attrs{};
      attrs.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
      attrs.permissions = static_cast<unsigned long>(mode);
      int set = ok ? s.retry([&] { return libssh2_sftp_fsetstat(h, &attrs); }, deadline) : 0;
      std::string failure = ok && set == 0 ? "" : sftp_failure(sftp);
      s.retry([&] { return libssh2_sftp_close_handle(h); }, deadline);
      if (!failure.empty()) throw RemoteError(opts_.node, what, failure);
    } catch (const SshTimeout&) {
      session_.reset();
      throw RemoteError(opts_.node, what, "timed out after " + std::to_string(opts_.transfer_timeout_ms) + " ms");
    }
  }

  void download(const std::string& remote_path, const std::string& local_path) override {
    const std::string what = "download " + remote_path + " -> " + local_path;
    const auto deadline = Clock::now() + std::chrono::milliseconds(opts_.transfer_timeout_ms);
    ensure_session(what);
    SshSession& s = *session_;
    try {
      LIBSSH2_SFTP* sftp = s.sftp(deadline);
      LIBSSH2_SFTP_HANDLE* h = s.retry_ptr(
          [&] {
            return libssh2_sftp_open_ex(sftp, remote_path.c_str(),
                                        static_cast<unsigned>(remote_path.size()), LIBSSH2_FXF_READ,
                                        0, LIBSSH2_SFTP_OPENFILE);
          },
          deadline);
      if (h == nullptr) throw RemoteError(opts_.node, what, sftp_failure(sftp));
      std::ofstream out(local_path, std::ios::binary | std::ios::trunc);
      std::string failure = out ? "" : "cannot write local file";
      std::array<char, 32768> buf{};
      while (failure.empty()) {
        ssize_t n = s.retry([&] { return libssh2_sftp_read(h, buf.data(), buf.size()); }, deadline);
        if (n == 0) break;
        if (n < 0) {
          failure = sftp_failure(sftp);
          break;
        }
        out.write(buf.data(), n);
        if (!out) failure = "cannot write local file";
      }
      s.retry([&] { return libssh2_sftp_close_handle(h); }, deadline);
      if (!failure.empty()) throw RemoteError(opts_.node, what, failure);
    } catch (const SshTimeout&) {
      session_.reset();
      throw RemoteError(opts_.node, what, "timed out after " + std::to_string(opts_.transfer_timeout_ms) + " ms");
    }
  }

  int64_t spawn(const std::string& cmd, const SpawnOptions& so) override {
    ExecOptions eo;
    eo.timeout_ms = 30'000;
    return detail::parse_spawned_pid(opts_.node, cmd, exec(detail::spawn_command(cmd, so), eo));
  }

 private:
  std::string sftp_failure(LIBSSH2_SFTP* sftp) {
    if (libssh2_session_last_errno(session_->raw()) == LIBSSH2_ERROR_SFTP_PROTOCOL) {
      return sftp_error_text(libssh2_sftp_last_error(sftp));
    }
    return session_->last_error();
  }

  // Connects when there is no session, retrying transient failures with exponential backoff.
  void ensure_session(const std::string& cmd) {
    if (session_) return;
    int64_t backoff_ms = opts_.backoff_initial_ms;
    for (int attempt = 1;; ++attempt) {
      try {
        session_ = std::make_unique<SshSession>(opts_);
        return;
      } catch (const detail::SshConnectError& e) {
        if (e.kind() == detail::ConnectFailure::kPermanent) {
          throw RemoteError(opts_.node, cmd, e.what());
        }
        if (attempt >= opts_.max_connect_attempts) {
          throw RemoteError(opts_.node, cmd,
                            std::string(e.what()) + " (gave up after " + std::to_string(attempt) +
                                " attempts)");
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      backoff_ms = std::min(backoff_ms * 2, opts_.backoff_max_ms);
    }
  }

  // Opens a channel; a stale session (the node rebooted, sshd restarted) is replaced once, which
  // is safe because nothing has been sent on the channel yet.
  LIBSSH2_CHANNEL* open_channel(const std::string& cmd, Clock::time_point deadline) {
    for (int round = 0; round < 2; ++round) {
      const bool fresh = !session_;
      ensure_session(cmd);
      LIBSSH2_CHANNEL* ch = nullptr;
      try {
        ch = session_->retry_ptr([&] { return libssh2_channel_open_session(session_->raw()); },
                                 deadline);
      } catch (const SshTimeout&) {
        session_.reset();
        throw RemoteError(opts_.node, cmd, "timed out opening a channel");
      }
      if (ch != nullptr) return ch;
      std::string why = session_->last_error();
      session_.reset();
      if (fresh) throw RemoteError(opts_.node, cmd, "cannot open a channel: " + why);
    }
    throw RemoteError(opts_.node, cmd, "cannot open a channel after reconnecting");
  }

  // libssh2 1.10 fails a read with LIBSSH2_ERROR_SOCKET_SEND ("Unable to send transfer-window
  // adjustment packet, deferring") when a partly sent stdin packet still occupies the transport:
  // the adjustment is queued and goes out with the next read, so the read is retried. Bounded:
  // a socket that really is broken fails after kMaxDeferredAdjusts retries in a row.
  static bool deferred_adjust(ssize_t rc, int& count) {
    constexpr int kMaxDeferredAdjusts = 10000;
    if (rc != LIBSSH2_ERROR_SOCKET_SEND) return false;
    return ++count <= kMaxDeferredAdjusts;
  }

  // Moves stdin to the channel and stdout/stderr from it until the remote side closes them.
  void pump(SshSession& s, LIBSSH2_CHANNEL* ch, const std::string& in, std::string& out,
            std::string& err, const std::string& cmd, Clock::time_point deadline) {
    size_t in_off = 0;
    bool eof_sent = false;
    int deferred = 0;
    std::array<char, 16384> buf{};
    for (;;) {
      bool progressed = false;
      if (!eof_sent) {
        if (in_off < in.size()) {
          ssize_t w = libssh2_channel_write(ch, in.data() + in_off, in.size() - in_off);
          if (w > 0) {
            in_off += static_cast<size_t>(w);
            progressed = true;
          } else if (w != LIBSSH2_ERROR_EAGAIN) {
            in_off = in.size();  // the command stopped reading stdin; not an error
          }
        }
        if (in_off >= in.size()) {
          int rc = libssh2_channel_send_eof(ch);
          if (rc != LIBSSH2_ERROR_EAGAIN) eof_sent = true;
        }
      }
      ssize_t n = libssh2_channel_read(ch, buf.data(), buf.size());
      if (n > 0) {
        out.append(buf.data(), static_cast<size_t>(n));
        progressed = true;
      } else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN && !deferred_adjust(n, deferred)) {
        throw RemoteError(opts_.node, cmd, "reading stdout: " + s.last_error());
      }
      ssize_t m = libssh2_channel_read_stderr(ch, buf.data(), buf.size());
      if (m > 0) {
        err.append(buf.data(), static_cast<size_t>(m));
        progressed = true;
      } else if (m < 0 && m != LIBSSH2_ERROR_EAGAIN && !deferred_adjust(m, deferred)) {
        throw RemoteError(opts_.node, cmd, "reading stderr: " + s.last_error());
      }
      if (out.size() > opts_.max_output_bytes || err.size() > opts_.max_output_bytes) {
        output_overflow_ = true;
        throw SshTimeout("output limit");  // handled like a timeout: kill the group
      }
      if (progressed) {
        deferred = 0;
        continue;
      }
      if (libssh2_channel_eof(ch)) return;
      if (Clock::now() >= deadline) throw SshTimeout("deadline passed");
      s.wait(deadline);
    }
  }

  // After a timeout: kill the command's process group through a fresh channel on the same
  // session (bounded), then drop the session, whose state is no longer trustworthy.
  void abandon_channel(LIBSSH2_CHANNEL* ch, const std::string& err_raw) {
    if (session_) {
      libssh2_channel_free(ch);
      std::optional<long> pgid = parse_pgid(err_raw);
      if (pgid && *pgid > 1) {
        const auto kill_deadline = Clock::now() + std::chrono::seconds(3);
        try {
          std::string kill_cmd = "kill -KILL -- -" + std::to_string(*pgid) + " 2>/dev/null";
          if (opts_.user != "root") kill_cmd = detail::sudo_wrap(kill_cmd) + " 2>/dev/null || " + kill_cmd;
          LIBSSH2_CHANNEL* k =
              session_->retry_ptr([&] { return libssh2_channel_open_session(session_->raw()); },
                                  kill_deadline);
          if (k != nullptr) {
            session_->retry([&] { return libssh2_channel_exec(k, kill_cmd.c_str()); }, kill_deadline);
            session_->retry([&] { return libssh2_channel_close(k); }, kill_deadline);
            session_->retry([&] { return libssh2_channel_wait_closed(k); }, kill_deadline);
            libssh2_channel_free(k);
          }
        } catch (const SshTimeout&) {
          // Killing is best effort; the session is dropped below either way.
        }
      }
    }
    session_.reset();
  }

  static std::optional<long> parse_pgid(const std::string& err_raw) {
    if (err_raw.rfind(kPgidMarker, 0) != 0) return std::nullopt;
    try {
      return std::stol(err_raw.substr(kPgidMarker.size()));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  static std::string strip_pgid_marker(const std::string& err_raw) {
    if (err_raw.rfind(kPgidMarker, 0) != 0) return err_raw;
    size_t nl = err_raw.find('\n');
    return nl == std::string::npos ? std::string() : err_raw.substr(nl + 1);
  }

  SshRemoteOptions opts_;
  std::unique_ptr<SshSession> session_;
  bool output_overflow_ = false;
};

}  // namespace

std::unique_ptr<Remote> make_ssh_remote(SshRemoteOptions opts) {
  return std::make_unique<SshRemote>(std::move(opts));
}

}  // namespace faultline::control
