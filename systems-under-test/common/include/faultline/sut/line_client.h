// LineClient: a blocking JSON-lines TCP client with deadlines, for tests, benchmarks and simple
// workload clients (POSIX sockets; no Asio). One request in flight at a time.
// request() returns the reply object, or throws ClientIoError: the caller must treat a
// ClientIoError after sending as indeterminate (the op may have happened).
#pragma once
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "faultline/sut/address.h"
#include "faultline/sut/error.h"

namespace faultline::sut {

class ClientIoError : public SutError {
 public:
  ClientIoError(const std::string& what, bool sent) : SutError(what), sent_(sent) {}
  // True if the request may have reached the server (indeterminate outcome).
  bool sent() const { return sent_; }

 private:
  bool sent_;
};

class LineClient {
 public:
  LineClient() = default;
  ~LineClient();
  LineClient(const LineClient&) = delete;
  LineClient& operator=(const LineClient&) = delete;

  // Throws ClientIoError(sent=false) when the connection cannot be made within the timeout.
  void connect(const Endpoint& server, std::chrono::milliseconds timeout);
  bool connected() const { return fd_ >= 0; }
  void close();
  // Sends one line and waits for the reply with the same "id" (other lines are skipped).
  nlohmann::json request(const nlohmann::json& req, std::chrono::milliseconds timeout);
  // Lower level: send one line / receive one line before the deadline.
  void send_line(const std::string& line);
  std::string recv_line(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string buffer_;
  Endpoint server_;
};

}  // namespace faultline::sut
