// LineSutClient: the SutClient (workloads/client.h) for daemons speaking
// systems-under-test/PROTOCOL.md (JSON lines over TCP), with its own deadline per request.
//
// Classification (the contract of SutClient::call):
//   cannot connect / send fails before any byte left        -> throws NotSent
//   sent, then connection lost or no reply before deadline  -> throws Indeterminate; the
//                                                              connection is dropped
//   reply {"ok":true}                                       -> Reply{ok, value}
//   reply {"ok":false,"error":E}                            -> Reply{error E, message}
// A definite `not-leader` carrying `leader_addr` (or any definite `unavailable` /
// `not-leader`) is retried within the same call at the hinted leader, at most max_redirects
// times: safe, because a definite error proves the op had no effect. The last reply is returned.
// Sockets are opened inside `netns` when it is not empty (local clusters: control namespace).
// One thread at a time (SutClient's rule).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <faultline/workloads/client.h>

namespace faultline::runner {

struct LineClientOptions {
  std::string node;             // node name (Op.node)
  std::string host;             // address of the node
  int port = 0;
  std::string netns;            // empty: this namespace
  int64_t timeout_ms = 2000;    // per request, connect included
  int max_redirects = 2;
};

class LineSutClient : public workloads::SutClient {
 public:
  explicit LineSutClient(LineClientOptions opts);
  ~LineSutClient() override;
  const std::string& node() const override { return opts_.node; }
  workloads::Reply call(const Json& request) override;
  // Number of redirected retries made so far (tests).
  int64_t redirects() const { return redirects_; }

  struct Conn;  // one TCP connection (line_sut_client.cpp)

 private:
  Conn& connection(const std::string& host, int port);
  workloads::Reply call_once(Conn& c, const Json& request, bool* sent);
  LineClientOptions opts_;
  std::map<std::string, std::unique_ptr<Conn>> conns_;  // "host:port" -> connection
  int64_t next_id_ = 1;
  int64_t redirects_ = 0;
};

// Parses "host:port" (port required); false when malformed.
bool parse_host_port(const std::string& s, std::string* host, int* port);

}  // namespace faultline::runner
