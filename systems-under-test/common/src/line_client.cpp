#include "faultline/sut/line_client.h"

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

#include "faultline/sut/protocol.h"

namespace faultline::sut {
namespace {
using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}
}  // namespace

LineClient::~LineClient() { close(); }

void LineClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

void LineClient::connect(const Endpoint& server, std::chrono::milliseconds timeout) {
  close();
  server_ = server;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(server.port);
  if (int rc = ::getaddrinfo(server.host.c_str(), port.c_str(), &hints, &res); rc != 0)
    throw ClientIoError("resolve " + server.to_string() + ": " + gai_strerror(rc), false);
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    ::freeaddrinfo(res);
    throw ClientIoError(std::string("socket: ") + std::strerror(errno), false);
  }
  int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
  ::freeaddrinfo(res);
  if (rc != 0 && errno != EINPROGRESS) {
    std::string why = std::strerror(errno);
    ::close(fd);
    throw ClientIoError("connect " + server.to_string() + ": " + why, false);
  }
  if (rc != 0) {
    pollfd p{fd, POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    int err = 0;
    socklen_t len = sizeof err;
    if (n <= 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      ::close(fd);
      throw ClientIoError("connect " + server.to_string() + ": " +
                              (n <= 0 ? std::string("timed out") : std::strerror(err)),
                          false);
    }
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fd_ = fd;
}

void LineClient::send_line(const std::string& line) {
  if (fd_ < 0) throw ClientIoError("not connected", false);
  std::string data = line + "\n";
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p{fd_, POLLOUT, 0};
        ::poll(&p, 1, 1000);
        continue;
      }
      std::string why = std::strerror(errno);
      close();
      throw ClientIoError("send to " + server_.to_string() + ": " + why, off > 0);
    }
    off += static_cast<std::size_t>(n);
  }
}

std::string LineClient::recv_line(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (fd_ < 0) throw ClientIoError("not connected", true);
    if (buffer_.size() > kMaxLineBytes) {
      close();
      throw ClientIoError("reply line too long from " + server_.to_string(), true);
    }
    pollfd p{fd_, POLLIN, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n == 0) throw ClientIoError("timed out waiting for " + server_.to_string(), true);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ClientIoError(std::string("poll: ") + std::strerror(errno), true);
    }
    char chunk[8192];
    ssize_t r = ::recv(fd_, chunk, sizeof chunk, 0);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
      close();
      throw ClientIoError("connection to " + server_.to_string() + " closed", true);
    }
    if (r > 0) buffer_.append(chunk, static_cast<std::size_t>(r));
  }
}

nlohmann::json LineClient::request(const nlohmann::json& req, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  send_line(req.dump());
  for (;;) {
    std::string line = recv_line(std::chrono::milliseconds(remaining_ms(deadline)));
    auto reply = nlohmann::json::parse(line, nullptr, false);
    if (reply.is_discarded()) {
      close();
      throw ClientIoError("unparsable reply from " + server_.to_string() + ": " + line, true);
    }
    if (reply.value("id", nlohmann::json()) == req.at("id")) return reply;
  }
}

}  // namespace faultline::sut
