// EventLoop + LineServer + PeerLinks: the networking of a reference daemon, on one thread.
//
// Everything a daemon does runs on the thread that calls EventLoop::run(): line handlers, timer
// callbacks, posted work. A daemon therefore needs no locks around its core. Asio lives only in
// the .cpp (keeps this header light).
//
// LineServer accepts TCP connections and delivers each '\n'-terminated line to a handler;
// send() queues a reply line on a connection (writes coalesce, so a batch of replies goes out in
// few syscalls). Lines longer than kMaxLineBytes close the connection.
// PeerLinks keeps one outgoing connection per peer, connecting lazily and reconnecting with a
// bounded backoff; each link's queue is bounded (kMaxQueuedLines), and lines are dropped when
// the peer is unreachable or the queue is full. Consensus protocols tolerate message loss, so
// dropping is the honest, bounded behaviour.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "faultline/sut/address.h"

namespace faultline::sut {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until stop(). Handlers run on this thread.
  void run();
  // Safe from any thread (posts to the loop). Pending handlers are abandoned.
  void stop();
  // Queues fn to run on the loop thread after already-ready handlers (used to batch work).
  void post(std::function<void()> fn);
  // Calls fn every period until the loop stops.
  void every(std::chrono::milliseconds period, std::function<void()> fn);
  // Calls fn once, after delay, on the loop thread.
  void after(std::chrono::milliseconds delay, std::function<void()> fn);
  // Calls fn once on SIGINT or SIGTERM.
  void on_termination_signal(std::function<void()> fn);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

using ConnId = uint64_t;

class LineServer {
 public:
  using LineHandler = std::function<void(ConnId, std::string&& line)>;
  using CloseHandler = std::function<void(ConnId)>;
  // Binds and listens immediately (throws SutError with the address on failure).
  LineServer(EventLoop& loop, const Endpoint& listen, LineHandler on_line,
             CloseHandler on_close = {});
  ~LineServer();
  // Appends '\n'. Silently ignored when the connection is gone (the client then sees a closed
  // connection, which it must treat as indeterminate).
  void send(ConnId conn, std::string line);
  uint16_t port() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

class PeerLinks {
 public:
  static constexpr std::size_t kMaxQueuedLines = 100000;
  PeerLinks(EventLoop& loop, PeerMap peers);
  ~PeerLinks();
  // Queues a line (without '\n') to peer `id`; drops it if unknown peer / queue full.
  void send(const std::string& id, std::string line);
  uint64_t dropped_lines() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace faultline::sut
