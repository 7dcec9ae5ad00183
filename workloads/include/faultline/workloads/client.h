// SutClient: one logical process's connection to one node of the system under test.
//
// Every workload speaks the key-value vocabulary of systems-under-test/PROTOCOL.md (read, write,
// cas, append, txn of those) through this interface; a system adapter (the reference daemons'
// JSON-lines client, later etcd/Redis/... adapters) translates it to its own wire protocol.
// So a workload is written once and runs on every system that serves the ops it needs.
//
// call() sends one request object WITHOUT "id" (the client assigns ids) and returns the reply:
//   Reply{ok=true, value}              the op took effect;
//   Reply{ok=false, error, message}    the server answered an error; reply.definite() tells
//                                      whether it proves the op had no effect (PROTOCOL.md's
//                                      table: not-leader, unavailable, cas-mismatch, bad-request
//                                      are definite; timeout, shutting-down are not).
// It throws
//   NotSent        the request was never sent (cannot connect, ...): definite, record `fail`;
//   Indeterminate  sent, then the connection broke or the client's own deadline passed: the op
//                  may or may not have happened, record `info` (the runner then retires the
//                  process and gives a fresh process id a fresh client).
// A SutClient is used by one thread at a time.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>

#include <faultline/core/op.h>

namespace faultline::workloads {

struct Reply {
  bool ok = false;
  Json value;           // when ok
  std::string error;    // PROTOCOL.md error code when !ok ("not-leader", "timeout", ...)
  std::string message;  // optional human text from the server
  // True when the error proves the op did not take effect (not timeout / shutting-down).
  bool definite() const { return ok || (error != "timeout" && error != "shutting-down"); }
};

class NotSent : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Indeterminate : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SutClient {
 public:
  virtual ~SutClient() = default;
  virtual const std::string& node() const = 0;
  // See the header comment. `request` has "op" and the op's members, no "id".
  virtual Reply call(const Json& request) = 0;
};

// A client over an in-memory, linearizable KV state machine (the daemons' own KvStore), shared
// by every client made from the same MemoryKv. For unit tests of workloads; thread-safe.
class MemoryKv {
 public:
  MemoryKv();
  ~MemoryKv();
  std::unique_ptr<SutClient> client(const std::string& node = "mem");
  // Applies a request directly (tests use it to set up or inspect state).
  Reply apply(const Json& request);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace faultline::workloads
