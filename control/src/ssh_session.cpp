// libssh2 session setup: TCP connect (inside a netns when asked), handshake, known_hosts check,
// public-key auth (file or agent). Non-blocking throughout so every step honours a deadline.
#include "ssh_session.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

#include "faultline/control/netns.h"

namespace faultline::control::detail {
namespace {

void init_libssh2_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (libssh2_init(0) != 0) throw std::runtime_error("libssh2_init failed");
  });
}

int remaining_ms(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return ms < 0 ? 0 : static_cast<int>(std::min<int64_t>(ms, 1 << 30));
}

std::string base64_no_padding(const unsigned char* data, size_t n) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = data[i] << 16;
    if (i + 1 < n) v |= data[i + 1] << 8;
    if (i + 2 < n) v |= data[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    if (i + 1 < n) out.push_back(kAlphabet[(v >> 6) & 63]);
    if (i + 2 < n) out.push_back(kAlphabet[v & 63]);
  }
  return out;
}

// libssh2 session host-key type -> known_hosts key-type bits.
int knownhost_key_bits(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

const char* key_type_name(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return "ssh-rsa";
    case LIBSSH2_HOSTKEY_TYPE_DSS: return "ssh-dss";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return "ecdsa-sha2-nistp256";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return "ecdsa-sha2-nistp384";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return "ecdsa-sha2-nistp521";
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ssh-ed25519";
    default: return "unknown";
  }
}

}  // namespace

SshSession::SshSession(const SshRemoteOptions& opts) : opts_(opts) {
  init_libssh2_once();
  const auto deadline = Clock::now() + std::chrono::milliseconds(opts_.connect_timeout_ms);
  try {
    connect_socket(deadline);
    session_ = libssh2_session_init();
    if (session_ == nullptr) fail("libssh2_session_init failed", ConnectFailure::kPermanent);
    libssh2_session_set_blocking(session_, 0);
    int rc = retry([&] { return libssh2_session_handshake(session_, sock_); }, deadline);
    if (rc != 0) fail("SSH handshake failed: " + last_error(), ConnectFailure::kTransient);
    verify_host_key();
    authenticate(deadline);
  } catch (const SshTimeout&) {
    cleanup();
    throw SshConnectError(opts_.node,
                          "connecting to " + opts_.host + ":" + std::to_string(opts_.port) +
                              " timed out after " + std::to_string(opts_.connect_timeout_ms) + " ms",
                          ConnectFailure::kTransient);
  } catch (...) {
    cleanup();
    throw;
  }
}

SshSession::~SshSession() { cleanup(); }

void SshSession::cleanup() {
  if (sftp_ != nullptr) {
    libssh2_sftp_shutdown(sftp_);  // best effort in non-blocking mode
    sftp_ = nullptr;
  }
  if (session_ != nullptr) {
    libssh2_session_disconnect(session_, "faultline closing");
    libssh2_session_free(session_);
    session_ = nullptr;
  }
  if (sock_ >= 0) {
    ::close(sock_);
    sock_ = -1;
  }
}

void SshSession::fail(const std::string& what, ConnectFailure kind) {
  throw SshConnectError(opts_.node, what, kind);
}

std::string SshSession::last_error() const {
  if (session_ == nullptr) return "no session";
  char* msg = nullptr;
  int len = 0;
  int code = libssh2_session_last_error(session_, &msg, &len, 0);
  return std::string(msg ? msg : "unknown error") + " (libssh2 " + std::to_string(code) + ")";
}

void SshSession::wait(Clock::time_point deadline) {
  const int dirs = session_ ? libssh2_session_block_directions(session_) : 0;
  pollfd p{};
  p.fd = sock_;
  if (dirs & LIBSSH2_SESSION_BLOCK_INBOUND) p.events |= POLLIN;
  if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND) p.events |= POLLOUT;
  int timeout = remaining_ms(deadline);
  if (timeout == 0) throw SshTimeout("deadline passed");
  // libssh2 may say "again" without naming a direction (data already buffered): short nap.
  if (p.events == 0) timeout = std::min(timeout, 1);
  int rc = ::poll(&p, 1, timeout);
  if (rc < 0 && errno != EINTR) throw SshTimeout(std::string("poll: ") + std::strerror(errno));
  if (rc == 0 && p.events != 0 && Clock::now() >= deadline) throw SshTimeout("deadline passed");
}

void SshSession::connect_socket(Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  // Inside a netns there is no resolver traffic to allow: require a numeric address there.
  if (!opts_.netns.empty()) hints.ai_flags = AI_NUMERICHOST;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(opts_.port);
  int gai = ::getaddrinfo(opts_.host.c_str(), port.c_str(), &hints, &res);
  if (gai != 0) {
    fail("cannot resolve '" + opts_.host + "': " + ::gai_strerror(gai) +
             (opts_.netns.empty() ? "" : " (nodes inside a netns are addressed by IP)"),
         ConnectFailure::kPermanent);
  }
  std::string errors;
  for (addrinfo* ai = res; ai != nullptr && sock_ < 0; ai = ai->ai_next) {
    int fd = -1;
    try {
      fd = opts_.netns.empty() ? ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0)
                               : open_socket_in_netns(opts_.netns, ai->ai_family, ai->ai_socktype);
    } catch (const NetnsError& e) {
      ::freeaddrinfo(res);
      fail(e.what(), ConnectFailure::kPermanent);
    }
    if (fd < 0) {
      errors += std::string(" socket: ") + std::strerror(errno) + ";";
      continue;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    int err = rc == 0 ? 0 : errno;
    if (rc != 0 && err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int prc = ::poll(&p, 1, remaining_ms(deadline));
      if (prc == 0) {
        err = ETIMEDOUT;
      } else {
        socklen_t len = sizeof(err);
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
    if (err != 0) {
      errors += std::string(" ") + std::strerror(err) + ";";
      ::close(fd);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sock_ = fd;
  }
  ::freeaddrinfo(res);
  if (sock_ < 0) {
    fail("cannot connect to " + opts_.host + ":" + port +
             (opts_.netns.empty() ? "" : " from netns " + opts_.netns) + ":" + errors,
         ConnectFailure::kTransient);
  }
}

void SshSession::verify_host_key() {
  size_t key_len = 0;
  int key_type = 0;
  const char* key = libssh2_session_hostkey(session_, &key_len, &key_type);
  if (key == nullptr) fail("server sent no host key", ConnectFailure::kPermanent);
  const unsigned char* digest = reinterpret_cast<const unsigned char*>(
      libssh2_hostkey_hash(session_, LIBSSH2_HOSTKEY_HASH_SHA256));
  const std::string fingerprint =
      "SHA256:" + (digest ? base64_no_padding(digest, 32) : std::string("?"));
  if (!opts_.strict_host_key_checking) return;
  const std::string where = opts_.host + ":" + std::to_string(opts_.port);
  if (opts_.known_hosts_path.empty()) {
    fail("no known_hosts file given to verify the host key of " + where + " (" +
             key_type_name(key_type) + " " + fingerprint +
             "); pass one, or disable checking explicitly (--strict-host-key-checking no)",
         ConnectFailure::kPermanent);
  }
  LIBSSH2_KNOWNHOSTS* known = libssh2_knownhost_init(session_);
  if (known == nullptr) fail("libssh2_knownhost_init failed", ConnectFailure::kPermanent);
  // Line by line, so an entry libssh2 cannot parse (e.g. a security-key type) skips only itself.
  std::ifstream in(opts_.known_hosts_path);
  if (!in) {
    libssh2_knownhost_free(known);
    fail("cannot read known_hosts file " + opts_.known_hosts_path + ": " + std::strerror(errno),
         ConnectFailure::kPermanent);
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    libssh2_knownhost_readline(known, line.c_str(), line.size(), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
  }
  libssh2_knownhost* found = nullptr;
  const int check = libssh2_knownhost_checkp(
      known, opts_.host.c_str(), opts_.port, key, key_len,
      LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | knownhost_key_bits(key_type),
      &found);
  libssh2_knownhost_free(known);
  switch (check) {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH:
      return;
    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
      fail("HOST KEY MISMATCH: " + where + " offered " + key_type_name(key_type) + " key " +
               fingerprint + ", which differs from the key recorded for it in " +
               opts_.known_hosts_path +
               ". Refusing to connect: someone may be intercepting the connection, or the host "
               "was reinstalled (then remove the old entry with ssh-keygen -R).",
           ConnectFailure::kPermanent);
    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
      fail("host key of " + where + " (" + key_type_name(key_type) + " " + fingerprint +
               ") is not in " + opts_.known_hosts_path +
               "; add it (ssh-keyscan -p " + std::to_string(opts_.port) + " " + opts_.host +
               " >> " + opts_.known_hosts_path +
               ") or disable checking explicitly (--strict-host-key-checking no)",
           ConnectFailure::kPermanent);
    default:
      fail("cannot check the host key of " + where + " against " + opts_.known_hosts_path,
           ConnectFailure::kPermanent);
  }
}

void SshSession::authenticate(Clock::time_point deadline) {
  if (opts_.private_key_path.empty()) {
    authenticate_with_agent(deadline);
    return;
  }
  const char* pass = opts_.passphrase.empty() ? nullptr : opts_.passphrase.c_str();
  int rc = retry(
      [&] {
        return libssh2_userauth_publickey_fromfile_ex(
            session_, opts_.user.c_str(), static_cast<unsigned>(opts_.user.size()), nullptr,
            opts_.private_key_path.c_str(), pass);
      },
      deadline);
  if (rc != 0) {
    fail("public-key authentication as " + opts_.user + " with " + opts_.private_key_path +
             " failed: " + last_error() +
             " (an RSA key fails against OpenSSH >= 8.8 with libssh2 1.10; use ed25519)",
         ConnectFailure::kPermanent);
  }
}

void SshSession::authenticate_with_agent(Clock::time_point deadline) {
  LIBSSH2_AGENT* agent = libssh2_agent_init(session_);
  if (agent == nullptr) fail("libssh2_agent_init failed", ConnectFailure::kPermanent);
  struct AgentGuard {
    LIBSSH2_AGENT* a;
    ~AgentGuard() {
      libssh2_agent_disconnect(a);
      libssh2_agent_free(a);
    }
  } guard{agent};
  if (libssh2_agent_connect(agent) != 0) {
    fail("no private key given and no ssh-agent reachable (SSH_AUTH_SOCK); pass --ssh-key",
         ConnectFailure::kPermanent);
  }
  if (libssh2_agent_list_identities(agent) != 0) {
    fail("cannot list ssh-agent identities: " + last_error(), ConnectFailure::kPermanent);
  }
  libssh2_agent_publickey* identity = nullptr;
  libssh2_agent_publickey* prev = nullptr;
  int tried = 0;
  while (libssh2_agent_get_identity(agent, &identity, prev) == 0) {
    ++tried;
    int rc = retry([&] { return libssh2_agent_userauth(agent, opts_.user.c_str(), identity); },
                   deadline);
    if (rc == 0) return;
    prev = identity;
  }
  fail("public-key authentication as " + opts_.user + " failed with all " + std::to_string(tried) +
           " ssh-agent identities",
       ConnectFailure::kPermanent);
}

LIBSSH2_SFTP* SshSession::sftp(Clock::time_point deadline) {
  if (sftp_ == nullptr) {
    sftp_ = retry_ptr([&] { return libssh2_sftp_init(session_); }, deadline);
    if (sftp_ == nullptr) {
      throw RemoteError(opts_.node, "sftp", "cannot start the SFTP subsystem: " + last_error());
    }
  }
  return sftp_;
}

}  // namespace faultline::control::detail
