// LineSutClient classification against a scripted JSON-lines server on loopback: ok, definite
// and indeterminate errors, no reply (-> Indeterminate), connection closed after send
// (-> Indeterminate), nothing listening (-> NotSent), and the bounded redirect to a hinted leader.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "faultline/runner/line_sut_client.h"

using namespace faultline;
using namespace faultline::runner;
using faultline::workloads::Indeterminate;
using faultline::workloads::NotSent;

namespace {

// Replies according to the request's "op": ok | cas-mismatch | timeout | silent | close |
// redirect (not-leader pointing at `leader_addr`).
class ScriptedServer {
 public:
  explicit ScriptedServer(std::string reply_tag, std::string leader_addr = "")
      : tag_(std::move(reply_tag)), leader_addr_(std::move(leader_addr)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] { loop(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int requests() const { return requests_; }

 private:
  void loop() {
    std::vector<int> conns;
    std::vector<std::string> bufs;
    for (int rounds = 0; !stop_ && rounds < 3000; ++rounds) {  // bounded: 3000 * 10 ms
      std::vector<pollfd> p{{fd_, POLLIN, 0}};
      for (int c : conns) p.push_back({c, POLLIN, 0});
      ::poll(p.data(), p.size(), 10);
      if (p[0].revents & POLLIN) {
        conns.push_back(::accept(fd_, nullptr, nullptr));
        bufs.emplace_back();
      }
      for (size_t i = 0; i < conns.size(); ++i) {
        if (conns[i] < 0 || !(p[i + 1].revents & (POLLIN | POLLHUP))) continue;
        char tmp[4096];
        ssize_t n = ::recv(conns[i], tmp, sizeof tmp, 0);
        if (n <= 0) {
          ::close(conns[i]);
          conns[i] = -1;
          continue;
        }
        bufs[i].append(tmp, static_cast<size_t>(n));
        size_t nl;
        while (conns[i] >= 0 && (nl = bufs[i].find('\n')) != std::string::npos) {
          Json req = Json::parse(bufs[i].substr(0, nl));
          bufs[i].erase(0, nl + 1);
          ++requests_;
          const std::string op = req.value("op", "");
          Json rep = {{"id", req["id"]}};
          if (op == "silent") continue;
          if (op == "close") {
            ::close(conns[i]);
            conns[i] = -1;
            break;
          }
          if (op == "redirect" && !leader_addr_.empty()) {
            rep["ok"] = false;
            rep["error"] = "not-leader";
            rep["leader_addr"] = leader_addr_;
          } else if (op == "ok" || op == "redirect") {
            rep["ok"] = true;
            rep["value"] = tag_;
          } else {
            rep["ok"] = false;
            rep["error"] = op;
            rep["message"] = "scripted";
          }
          std::string line = rep.dump() + "\n";
          ::send(conns[i], line.data(), line.size(), MSG_NOSIGNAL);
        }
      }
    }
    for (int c : conns)
      if (c >= 0) ::close(c);
  }

  std::string tag_, leader_addr_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

LineSutClient client_for(int port, int64_t timeout_ms = 300) {
  LineClientOptions o;
  o.node = "n1";
  o.host = "127.0.0.1";
  o.port = port;
  o.timeout_ms = timeout_ms;
  return LineSutClient(o);
}

int unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);  // nothing listens there now
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("line client: ok and definite / indeterminate server errors") {
  ScriptedServer s("v");
  auto c = client_for(s.port());
  auto r = c.call({{"op", "ok"}});
  CHECK(r.ok);
  CHECK(r.value == "v");
  r = c.call({{"op", "cas-mismatch"}});
  CHECK_FALSE(r.ok);
  CHECK(r.error == "cas-mismatch");
  CHECK(r.definite());
  CHECK(r.message == "scripted");
  r = c.call({{"op", "timeout"}});
  CHECK(r.error == "timeout");
  CHECK_FALSE(r.definite());
  r = c.call({{"op", "ok"}});  // same connection still usable
  CHECK(r.ok);
  CHECK(s.requests() == 4);
}

TEST_CASE("line client: no reply or a closed connection after send is indeterminate") {
  ScriptedServer s("v");
  auto c = client_for(s.port(), 200);
  CHECK_THROWS_AS(c.call({{"op", "silent"}}), Indeterminate);
  CHECK(c.call({{"op", "ok"}}).ok);  // a fresh connection after the dropped one
  CHECK_THROWS_AS(c.call({{"op", "close"}}), Indeterminate);
  CHECK(c.call({{"op", "ok"}}).ok);
}

TEST_CASE("line client: nothing listening is NotSent") {
  auto c = client_for(unused_port());
  CHECK_THROWS_AS(c.call({{"op", "ok"}}), NotSent);
  LineClientOptions o;
  o.node = "n9";
  o.host = "no-such-host.invalid";
  o.port = 7000;
  LineSutClient bad(o);
  CHECK_THROWS_AS(bad.call({{"op", "ok"}}), NotSent);
}

TEST_CASE("line client: a definite not-leader is retried at the hinted leader, bounded") {
  ScriptedServer leader("from-leader");
  ScriptedServer follower("from-follower", "127.0.0.1:" + std::to_string(leader.port()));
  auto c = client_for(follower.port());
  auto r = c.call({{"op", "redirect"}});
  CHECK(r.ok);
  CHECK(r.value == "from-leader");
  CHECK(c.redirects() == 1);
  CHECK(leader.requests() == 1);
  // With max_redirects = 0 the definite error comes back as it is, no retry.
  ScriptedServer self_loop("x", "127.0.0.1:1");
  LineClientOptions o;
  o.node = "n1";
  o.host = "127.0.0.1";
  o.port = self_loop.port();
  o.timeout_ms = 300;
  o.max_redirects = 0;
  LineSutClient no_redirect(o);
  r = no_redirect.call({{"op", "redirect"}});
  CHECK_FALSE(r.ok);
  CHECK(r.error == "not-leader");
  CHECK(no_redirect.redirects() == 0);
}

TEST_CASE("line client: host:port parsing") {
  std::string h;
  int p = 0;
  CHECK(parse_host_port("10.0.0.1:7001", &h, &p));
  CHECK(h == "10.0.0.1");
  CHECK(p == 7001);
  CHECK(parse_host_port("[::1]:80", &h, &p));
  CHECK(h == "::1");
  CHECK_FALSE(parse_host_port("nohost", &h, &p));
  CHECK_FALSE(parse_host_port(":80", &h, &p));
  CHECK_FALSE(parse_host_port("h:99999", &h, &p));
  CHECK_FALSE(parse_host_port("h:", &h, &p));
}
