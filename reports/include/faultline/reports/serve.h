// `faultline serve`: the store over HTTP (Boost.Beast), read-only.
//
//   GET /                      index of every run, newest first, filterable (test, system,
//                              workload, nemesis, verdict) and coloured by verdict; runs without
//                              results.json show their live progress (ops recorded, seconds
//                              since start) and the page refreshes itself while any runs;
//   GET /<test>/<run>/<file>   that file of the run (report.html, history.jsonl, nodes/...);
//                              a directory lists its entries.
// Path safety: the target is percent-decoded and split on '/'; a segment "." or "..", a NUL
// byte, a backslash or a malformed escape gets 400; a path that resolves (symlinks followed)
// outside the store gets 403; a missing one 404; methods other than GET/HEAD 405. Files that
// are not .html or .svg go out as text/plain (or application/json) with
// X-Content-Type-Options: nosniff, so a node log holding markup is never rendered as a page.
// Binds to 127.0.0.1 unless `bind` says otherwise.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace faultline::reports {

struct ServeOptions {
  std::string store = "store";
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see Server::port)
};

struct HttpReply {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::string location;  // for 301: where to
};

// Every run under `store`: [{"path": "<test>/<run>", "test", "run", "system", "bug",
// "workload", "nemesis", "verdict": "valid"|"invalid"|"unknown"|"running"|"incomplete",
// "ops" (history lines), "elapsed_s"?, "time_limit_s"?, "has_report"}], newest first.
nlohmann::json list_runs(const std::string& store);
std::string store_index_html(const std::string& store);
// The reply to GET `target` (pure function of the store's contents).
HttpReply handle_request(const std::string& store, const std::string& target);

class Server {
 public:
  // Binds and listens at once; throws std::runtime_error naming the address on failure.
  explicit Server(const ServeOptions& opts);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  uint16_t port() const;
  std::string address() const;  // the address listened on, e.g. "127.0.0.1"
  // Serves until stop() (from any thread, or a signal handler via the flag polled every 200 ms).
  void run(const std::atomic<bool>* stop_flag = nullptr);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::reports
