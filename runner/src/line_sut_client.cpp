#include "faultline/runner/line_sut_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <faultline/control/netns.h>

namespace faultline::runner {

using workloads::Indeterminate;
using workloads::NotSent;
using workloads::Reply;
using Clock = std::chrono::steady_clock;

bool parse_host_port(const std::string& s, std::string* host, int* port) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= s.size()) return false;
  int p = 0;
  for (size_t i = colon + 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    p = p * 10 + (s[i] - '0');
    if (p > 65535) return false;
  }
  if (p == 0) return false;
  *host = s.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  *port = p;
  return true;
}

struct LineSutClient::Conn {
  std::string host;
  int port = 0;
  int fd = -1;
  std::string buf;
  ~Conn() { drop(); }
  void drop() {
    if (fd >= 0) ::close(fd);
    fd = -1;
    buf.clear();
  }
};

namespace {

int remaining_ms(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return ms < 0 ? 0 : static_cast<int>(ms);
}

// Connects fd-less conn; throws NotSent on any failure.
void connect_conn(LineSutClient::Conn& c, const std::string& netns, Clock::time_point deadline,
                  const std::string& node) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(c.port));
  if (::inet_pton(AF_INET, c.host.c_str(), &addr.sin_addr) != 1) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (::getaddrinfo(c.host.c_str(), nullptr, &hints, &res) != 0 || !res)
      throw NotSent(node + ": cannot resolve " + c.host);
    addr.sin_addr = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
    ::freeaddrinfo(res);
  }
  int fd = -1;
  try {
    fd = netns.empty() ? ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)
                       : control::open_socket_in_netns(netns, AF_INET, SOCK_STREAM);
  } catch (const std::exception& e) {
    throw NotSent(node + ": " + e.what());
  }
  if (fd < 0) throw NotSent(node + ": socket: " + std::strerror(errno));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const std::string where = c.host + ":" + std::to_string(c.port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      throw NotSent(node + ": connect " + where + ": " + why);
    }
    pollfd p{fd, POLLOUT, 0};
    int r;
    do {
      r = ::poll(&p, 1, remaining_ms(deadline));
    } while (r < 0 && errno == EINTR);
    int err = 0;
    socklen_t len = sizeof err;
    if (r <= 0) {
      ::close(fd);
      throw NotSent(node + ": connect " + where + ": timed out");
    }
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      ::close(fd);
      throw NotSent(node + ": connect " + where + ": " + std::strerror(err));
    }
  }
  c.fd = fd;
  c.buf.clear();
}

}  // namespace

LineSutClient::LineSutClient(LineClientOptions opts) : opts_(std::move(opts)) {}
LineSutClient::~LineSutClient() = default;

LineSutClient::Conn& LineSutClient::connection(const std::string& host, int port) {
  const std::string k = host + ":" + std::to_string(port);
  auto& slot = conns_[k];
  if (!slot) {
    slot = std::make_unique<Conn>();
    slot->host = host;
    slot->port = port;
  }
  return *slot;
}

Reply LineSutClient::call_once(Conn& c, const Json& request, bool* sent) {
  *sent = false;
  const auto deadline = Clock::now() + std::chrono::milliseconds(opts_.timeout_ms);
  if (c.fd < 0) connect_conn(c, opts_.netns, deadline, opts_.node);
  const int64_t id = next_id_++;
  Json req = request;
  req["id"] = id;
  std::string line = req.dump();
  line += '\n';
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::send(c.fd, line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{c.fd, POLLOUT, 0};
      if (::poll(&p, 1, remaining_ms(deadline)) > 0) continue;
    }
    const std::string why = n < 0 ? std::strerror(errno) : "timed out";
    c.drop();
    if (off == 0) throw NotSent(opts_.node + ": send: " + why);
    throw Indeterminate(opts_.node + ": send interrupted: " + why);
  }
  *sent = true;
  for (;;) {
    auto nl = c.buf.find('\n');
    while (nl != std::string::npos) {
      std::string l = c.buf.substr(0, nl);
      c.buf.erase(0, nl + 1);
      Json rep = Json::parse(l, nullptr, /*allow_exceptions=*/false);
      if (rep.is_object() && rep.contains("id") && rep["id"] == id) {
        Reply r;
        r.ok = rep.value("ok", false);
        if (r.ok) {
          r.value = rep.contains("value") ? rep["value"] : Json();
        } else {
          r.error = rep.value("error", std::string("unknown"));
          r.message = rep.value("message", std::string());
          r.value = rep;  // keeps leader hints for the redirect
        }
        return r;
      }
      nl = c.buf.find('\n');
    }
    pollfd p{c.fd, POLLIN, 0};
    int pr = ::poll(&p, 1, remaining_ms(deadline));
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0) {
      c.drop();
      throw Indeterminate(opts_.node + ": no reply within " + std::to_string(opts_.timeout_ms) +
                          " ms");
    }
    char tmp[65536];
    ssize_t n = ::recv(c.fd, tmp, sizeof tmp, 0);
    if (n > 0) {
      c.buf.append(tmp, static_cast<size_t>(n));
      if (c.buf.size() > (8u << 20)) {
        c.drop();
        throw Indeterminate(opts_.node + ": reply too long");
      }
      continue;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    const std::string why = n == 0 ? "connection closed" : std::strerror(errno);
    c.drop();
    throw Indeterminate(opts_.node + ": " + why + " after send");
  }
}

Reply LineSutClient::call(const Json& request) {
  std::string host = opts_.host;
  int port = opts_.port;
  Reply r;
  for (int attempt = 0;; ++attempt) {
    Conn& c = connection(host, port);
    bool sent = false;
    r = call_once(c, request, &sent);
    if (r.ok || !r.definite() || attempt >= opts_.max_redirects) break;
    if (r.error != "not-leader" && r.error != "unavailable") break;
    std::string h;
    int p = 0;
    const std::string addr = r.value.is_object() ? r.value.value("leader_addr", std::string()) : "";
    if (addr.empty() || !parse_host_port(addr, &h, &p)) break;
    if (h == host && p == port) break;
    host = h;
    port = p;
    ++redirects_;
  }
  if (!r.ok) r.value = Json();
  return r;
}

}  // namespace faultline::runner
