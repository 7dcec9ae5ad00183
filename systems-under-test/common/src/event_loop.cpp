// Asio implementation of EventLoop, LineServer and PeerLinks (single-threaded io_context).
#include "faultline/sut/event_loop.h"

#include <utility>  // before Asio: boost 1.74 awaitable.hpp needs std::exchange in C++20
#include <boost/asio.hpp>
#include <csignal>
#include <deque>
#include <map>
#include <utility>

#include "faultline/sut/error.h"
#include "faultline/sut/protocol.h"

namespace faultline::sut {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {
struct PeriodicTimer {
  PeriodicTimer(asio::io_context& io, std::chrono::milliseconds p, std::function<void()> f)
      : timer(io), period(p), fn(std::move(f)) {}
  void arm() {
    timer.expires_after(period);
    timer.async_wait([this](const error_code& ec) {
      if (ec) return;
      fn();
      arm();
    });
  }
  asio::steady_timer timer;
  std::chrono::milliseconds period;
  std::function<void()> fn;
};

tcp::endpoint resolve(asio::io_context& io, const Endpoint& e) {
  error_code ec;
  auto addr = asio::ip::make_address(e.host, ec);
  if (!ec) return tcp::endpoint(addr, e.port);
  tcp::resolver resolver(io);
  auto results = resolver.resolve(e.host, std::to_string(e.port), ec);
  if (ec || results.empty())
    throw SutError("cannot resolve " + e.to_string() + ": " + ec.message());
  return *results.begin();
}
}  // namespace

struct EventLoop::Impl {
  asio::io_context io{1};
  std::vector<std::unique_ptr<PeriodicTimer>> timers;
  std::unique_ptr<asio::signal_set> signals;
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}
EventLoop::~EventLoop() = default;

void EventLoop::run() {
  auto guard = asio::make_work_guard(impl_->io);
  impl_->io.run();
}

void EventLoop::stop() { impl_->io.stop(); }

void EventLoop::post(std::function<void()> fn) { asio::post(impl_->io, std::move(fn)); }

void EventLoop::every(std::chrono::milliseconds period, std::function<void()> fn) {
  impl_->timers.push_back(std::make_unique<PeriodicTimer>(impl_->io, period, std::move(fn)));
  impl_->timers.back()->arm();
}

void EventLoop::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto timer = std::make_shared<asio::steady_timer>(impl_->io, delay);
  timer->async_wait([timer, fn = std::move(fn)](const error_code& ec) {
    if (!ec) fn();
  });
}

void EventLoop::on_termination_signal(std::function<void()> fn) {
  impl_->signals = std::make_unique<asio::signal_set>(impl_->io, SIGINT, SIGTERM);
  impl_->signals->async_wait([fn = std::move(fn)](const error_code& ec, int) {
    if (!ec) fn();
  });
}

// ---------------------------------------------------------------- LineServer

namespace {
struct ServerConn : std::enable_shared_from_this<ServerConn> {
  explicit ServerConn(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  std::string read_buf;
  std::string pending_out;
  std::string writing;
  bool write_active = false;
  ConnId id = 0;
};
}  // namespace

struct LineServer::Impl : std::enable_shared_from_this<LineServer::Impl> {
  Impl(asio::io_context& io) : acceptor(io) {}
  tcp::acceptor acceptor;
  std::map<ConnId, std::shared_ptr<ServerConn>> conns;
  ConnId next_id = 1;
  LineHandler on_line;
  CloseHandler on_close;
  bool closed = false;

  void accept() {
    acceptor.async_accept([self = shared_from_this()](const error_code& ec, tcp::socket s) {
      if (self->closed) return;
      if (!ec) {
        error_code ignored;
        s.set_option(tcp::no_delay(true), ignored);
        auto conn = std::make_shared<ServerConn>(std::move(s));
        conn->id = self->next_id++;
        self->conns[conn->id] = conn;
        self->read(conn);
      }
      self->accept();
    });
  }

  void read(const std::shared_ptr<ServerConn>& conn) {
    asio::async_read_until(
        conn->socket, asio::dynamic_buffer(conn->read_buf, kMaxLineBytes), '\n',
        [self = shared_from_this(), conn](const error_code& ec, std::size_t n) {
          if (self->closed) return;
          if (ec) {
            self->drop(conn);
            return;
          }
          std::string line = conn->read_buf.substr(0, n - 1);
          conn->read_buf.erase(0, n);
          if (!line.empty() && line.back() == '\r') line.pop_back();
          if (self->on_line) self->on_line(conn->id, std::move(line));
          if (self->conns.count(conn->id)) self->read(conn);
        });
  }

  void write(const std::shared_ptr<ServerConn>& conn) {
    conn->write_active = true;
    conn->writing.clear();
    std::swap(conn->writing, conn->pending_out);
    asio::async_write(conn->socket, asio::buffer(conn->writing),
                      [self = shared_from_this(), conn](const error_code& ec, std::size_t) {
                        conn->write_active = false;
                        if (self->closed) return;
                        if (ec) {
                          self->drop(conn);
                          return;
                        }
                        if (!conn->pending_out.empty()) self->write(conn);
                      });
  }

  void drop(const std::shared_ptr<ServerConn>& conn) {
    if (conns.erase(conn->id) == 0) return;
    error_code ignored;
    conn->socket.close(ignored);
    if (on_close) on_close(conn->id);
  }
};

LineServer::LineServer(EventLoop& loop, const Endpoint& listen, LineHandler on_line,
                       CloseHandler on_close)
    : impl_(std::make_shared<Impl>(loop.impl().io)) {
  impl_->on_line = std::move(on_line);
  impl_->on_close = std::move(on_close);
  tcp::endpoint ep = resolve(loop.impl().io, listen);
  error_code ec;
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw SutError("cannot listen on " + listen.to_string() + ": " + ec.message());
  impl_->accept();
}

LineServer::~LineServer() {
  impl_->closed = true;
  error_code ignored;
  impl_->acceptor.close(ignored);
  for (auto& [id, conn] : impl_->conns) conn->socket.close(ignored);
  impl_->conns.clear();
}

void LineServer::send(ConnId id, std::string line) {
  auto it = impl_->conns.find(id);
  if (it == impl_->conns.end()) return;
  auto& conn = it->second;
  conn->pending_out += line;
  conn->pending_out.push_back('\n');
  if (!conn->write_active) impl_->write(conn);
}

uint16_t LineServer::port() const { return impl_->acceptor.local_endpoint().port(); }

// ---------------------------------------------------------------- PeerLinks

namespace {
struct PeerLink {
  PeerLink(asio::io_context& io, tcp::endpoint ep) : socket(io), endpoint(ep) {}
  enum class State { Idle, Connecting, Connected } state = State::Idle;
  tcp::socket socket;
  tcp::endpoint endpoint;
  std::string pending_out;
  std::size_t pending_lines = 0;
  std::string writing;
  bool write_active = false;
  std::chrono::steady_clock::time_point next_attempt{};
  char sink[256];
  uint64_t generation = 0;  // bumps on every reset so stale handlers ignore themselves
};
constexpr auto kReconnectBackoff = std::chrono::milliseconds(100);
}  // namespace

struct PeerLinks::Impl : std::enable_shared_from_this<PeerLinks::Impl> {
  asio::io_context* io = nullptr;
  std::map<std::string, std::unique_ptr<PeerLink>> links;
  uint64_t dropped = 0;
  bool closed = false;

  void reset(PeerLink& l) {
    error_code ignored;
    l.socket.close(ignored);
    l.state = PeerLink::State::Idle;
    dropped += l.pending_lines;
    l.pending_out.clear();
    l.pending_lines = 0;
    l.write_active = false;
    l.generation++;
    l.next_attempt = std::chrono::steady_clock::now() + kReconnectBackoff;
  }

  void connect(PeerLink& l) {
    l.state = PeerLink::State::Connecting;
    l.socket = tcp::socket(*io);
    uint64_t gen = ++l.generation;
    l.socket.async_connect(l.endpoint, [self = shared_from_this(), &l, gen](const error_code& ec) {
      if (self->closed || gen != l.generation) return;
      if (ec) {
        self->reset(l);
        return;
      }
      error_code ignored;
      l.socket.set_option(tcp::no_delay(true), ignored);
      l.state = PeerLink::State::Connected;
      self->watch(l, gen);
      if (!l.pending_out.empty()) self->write(l);
    });
  }

  // Peers never answer on this connection; a read completing means EOF or error: reset.
  void watch(PeerLink& l, uint64_t gen) {
    l.socket.async_read_some(asio::buffer(l.sink),
                             [self = shared_from_this(), &l, gen](const error_code& ec, std::size_t) {
                               if (self->closed || gen != l.generation) return;
                               if (ec) self->reset(l);
                               else self->watch(l, gen);
                             });
  }

  void write(PeerLink& l) {
    l.write_active = true;
    l.writing.clear();
    std::swap(l.writing, l.pending_out);
    l.pending_lines = 0;
    uint64_t gen = l.generation;
    asio::async_write(l.socket, asio::buffer(l.writing),
                      [self = shared_from_this(), &l, gen](const error_code& ec, std::size_t) {
                        if (self->closed || gen != l.generation) return;
                        l.write_active = false;
                        if (ec) {
                          self->reset(l);
                          return;
                        }
                        if (!l.pending_out.empty()) self->write(l);
                      });
  }
};

PeerLinks::PeerLinks(EventLoop& loop, PeerMap peers) : impl_(std::make_shared<Impl>()) {
  impl_->io = &loop.impl().io;
  for (auto& [id, ep] : peers)
    impl_->links[id] = std::make_unique<PeerLink>(*impl_->io, resolve(*impl_->io, ep));
}

PeerLinks::~PeerLinks() {
  impl_->closed = true;
  error_code ignored;
  for (auto& [id, l] : impl_->links) l->socket.close(ignored);
}

void PeerLinks::send(const std::string& id, std::string line) {
  auto it = impl_->links.find(id);
  if (it == impl_->links.end()) {
    impl_->dropped++;
    return;
  }
  PeerLink& l = *it->second;
  if (l.state == PeerLink::State::Idle) {
    if (std::chrono::steady_clock::now() < l.next_attempt) {
      impl_->dropped++;  // peer recently unreachable: drop rather than queue unboundedly
      return;
    }
    impl_->connect(l);
  }
  if (l.pending_lines >= kMaxQueuedLines) {
    impl_->dropped++;
    return;
  }
  l.pending_out += line;
  l.pending_out.push_back('\n');
  l.pending_lines++;
  if (l.state == PeerLink::State::Connected && !l.write_active) impl_->write(l);
}

uint64_t PeerLinks::dropped_lines() const { return impl_->dropped; }

}  // namespace faultline::sut
