// PaxosServer: drives one PaxosCore with real sockets, a real clock and a real disk.
//
// Single-threaded on the shared EventLoop. Every input (peer line, client request, clock tick)
// is stepped into the core at once; the core's Outputs are collected into one batch that is
// flushed by a posted handler after the ready events: records are appended to the DurableLog
// and fsynced once (group commit; chosen-slot records alone are synced lazily), THEN peer messages go out, THEN chosen slots are applied to
// the KvStore and waiting clients answered. So no promise, acceptance or reply ever leaves the
// node before what it depends on is on disk, and kill -9 loses nothing acknowledged.
//
// Clients: every request (reads included) is proposed as a log value and answered when its slot
// is applied here (linearizable reads through the log). A follower answers `not-leader` with
// the leader's id and address when known; requests still open after request_timeout_ms get
// `timeout` (indeterminate: the value may still be chosen); at SIGTERM, `shutting-down`.
// `status` is answered locally at once (node, leader, role, ballot, chosen prefix, applied).
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "faultline/paxos/paxos_core.h"
#include "faultline/paxos/wire.h"
#include "faultline/sut/address.h"
#include "faultline/sut/durable_log.h"
#include "faultline/sut/event_log.h"
#include "faultline/sut/event_loop.h"
#include "faultline/sut/kv_store.h"

namespace faultline::paxos {

struct ServerOptions {
  std::string id;
  sut::Endpoint listen;
  sut::PeerMap members;  // every node including id
  std::string data_dir;
  Bugs bugs;
  uint32_t tick_ms = 10;
  uint32_t heartbeat_ms = 50;
  uint32_t election_timeout_ms = 300;  // randomized in [N, 2N)
  uint32_t request_timeout_ms = 2000;
  std::size_t max_pending_requests = 10000;
};

class PaxosServer {
 public:
  // Opens the data dir and recovers; binds the listen address. Throws SutError / WireError.
  PaxosServer(sut::EventLoop& loop, ServerOptions options);
  ~PaxosServer();
  // Answers open requests with shutting-down and flushes what can be flushed.
  void shutdown();

 private:
  struct PendingRequest {
    sut::ConnId conn = 0;
    nlohmann::json client_id;
    std::chrono::steady_clock::time_point deadline;
  };

  void on_line(sut::ConnId conn, std::string&& line);
  void on_client_request(sut::ConnId conn, nlohmann::json request);
  void on_close(sut::ConnId conn);
  void on_tick();
  void step(const Input& input);
  void flush();
  void reply(sut::ConnId conn, const nlohmann::json& msg);
  void log_transition(PaxosCore::Role before, Ballot ballot_before);

  sut::EventLoop& loop_;
  ServerOptions options_;
  MemberNames names_;
  NodeId self_ = 0;
  sut::EventLog log_;
  int lock_fd_ = -1;  // flock on <data-dir>/LOCK, held for the daemon's life
  sut::DurableLog::Recovery recovery_;  // filled while disk_ opens; consumed by the constructor
  sut::DurableLog disk_;
  std::unique_ptr<PaxosCore> core_;
  sut::KvStore kv_;
  std::unique_ptr<sut::LineServer> server_;
  std::unique_ptr<sut::PeerLinks> peers_;
  Outputs batch_;
  bool flush_posted_ = false;
  bool stopping_ = false;
  std::map<std::string, PendingRequest> pending_;  // value id -> waiting client
  std::string value_prefix_;
  uint64_t next_value_seq_ = 0;
  uint64_t applied_slots_ = 0;
  uint64_t bad_peer_lines_ = 0;
  uint32_t ticks_since_sync_ = 0;
};

}  // namespace faultline::paxos
