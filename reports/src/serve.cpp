// The HTTP server of `faultline serve` (Boost.Beast; routing in serve_route.cpp).
#include <utility>  // before Boost.Asio: its awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>
#include <vector>
#include <stdexcept>
#include <thread>

#include "faultline/reports/serve.h"

namespace faultline::reports {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct Server::Impl {
  ServeOptions opts;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::atomic<bool> stopping{false};
};

Server::Server(const ServeOptions& opts) : impl_(std::make_unique<Impl>()) {
  impl_->opts = opts;
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(opts.bind, ec);
  if (ec) throw std::runtime_error("serve: bad --bind address '" + opts.bind + "': " + ec.message());
  const tcp::endpoint ep(addr, opts.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("serve: cannot listen on " + opts.bind + ":" + std::to_string(opts.port) + ": " + ec.message());
}

Server::~Server() = default;

uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string Server::address() const { return impl_->acceptor.local_endpoint().address().to_string(); }

void Server::stop() {
  impl_->stopping = true;
  asio::post(impl_->io, [this] { impl_->io.stop(); });
}

namespace {

// One request per connection (Connection: close), read with a bounded wait.
void serve_one(tcp::socket sock, const std::string& store) {
  boost::system::error_code ec;
  struct timeval tv{5, 0};
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  boost::beast::flat_buffer buf;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(16 * 1024);
  http::read(sock, buf, parser, ec);
  if (ec) return;
  const auto& req = parser.get();
  http::response<http::string_body> res;
  res.version(req.version());
  res.keep_alive(false);
  res.set(http::field::server, "faultline");
  res.set(http::field::cache_control, "no-store");
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    res.result(http::status::method_not_allowed);
    res.set(http::field::allow, "GET, HEAD");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "405 only GET and HEAD\n";
  } else {
    HttpReply r = handle_request(store, std::string(req.target()));
    res.result(static_cast<http::status>(r.status));
    res.set(http::field::content_type, r.content_type);
    res.set("X-Content-Type-Options", "nosniff");
    if (!r.location.empty()) res.set(http::field::location, r.location);
    if (req.method() != http::verb::head) res.body() = std::move(r.body);
    else res.content_length(r.body.size());
  }
  if (req.method() != http::verb::head) res.prepare_payload();
  http::write(sock, res, ec);
  sock.shutdown(tcp::socket::shutdown_both, ec);
}

}  // namespace

void Server::run(const std::atomic<bool>* stop_flag) {
  Impl& im = *impl_;
  // One thread per connection (each bounded by the socket timeouts), all joined before run()
  // returns, so no socket outlives the io_context.
  std::vector<std::thread> workers;
  std::function<void()> accept = [&] {
    im.acceptor.async_accept([&](boost::system::error_code ec, tcp::socket sock) {
      if (ec || im.stopping) return;
      if (workers.size() >= 256) {
        for (auto& w : workers) w.join();
        workers.clear();
      }
      workers.emplace_back(serve_one, std::move(sock), im.opts.store);
      accept();
    });
  };
  accept();
  asio::steady_timer poll(im.io);
  std::function<void()> tick = [&] {
    poll.expires_after(std::chrono::milliseconds(200));
    poll.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      if (stop_flag && stop_flag->load()) {
        im.stopping = true;
        im.io.stop();
        return;
      }
      tick();
    });
  };
  tick();
  im.io.run();
  boost::system::error_code ec;
  im.acceptor.close(ec);
  for (auto& w : workers) w.join();
}

}  // namespace faultline::reports
