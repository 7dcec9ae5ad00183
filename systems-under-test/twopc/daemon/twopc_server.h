// TwoPcServer: drives one TwoPcCore with real sockets, a real clock and a real disk.
//
// Single-threaded on the shared EventLoop. Every input (client request, peer line, tick) is
// stepped into the core at once; the Outputs are gathered into one batch flushed by a posted
// handler after the ready events (group commit): records are appended to <data-dir>/2pc.log
// and fdatasynced once when any of them must be durable, THEN peer messages leave (those to
// this node are posted back into the core), THEN clients are answered. So no vote, decision,
// ack or reply leaves before the record it depends on is on disk: kill -9 loses nothing
// acknowledged. `status` is answered at once from the core (node, coordinating, prepared...).
// At SIGTERM open requests get `shutting-down`. Holds an flock on <data-dir>/LOCK.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "faultline/sut/daemon_support.h"
#include "faultline/sut/durable_log.h"
#include "faultline/sut/event_log.h"
#include "faultline/sut/event_loop.h"
#include "faultline/twopc/twopc_core.h"

namespace faultline::twopc {

struct ServerOptions {
  std::string id;
  sut::Endpoint listen;
  sut::PeerMap members;  // every node including id
  std::string data_dir;
  Bugs bugs;
  uint32_t tick_ms = 10;
  uint32_t vote_timeout_ms = 500;
  uint32_t query_after_ms = 300;
  uint32_t retry_ms = 100;
  uint32_t presume_commit_ms = 300;
  uint32_t lock_wait_ms = 50;
  std::size_t max_pending_requests = 10000;
};

class TwoPcServer {
 public:
  // Locks and opens the data dir, recovers, binds. Throws SutError / std::runtime_error.
  TwoPcServer(sut::EventLoop& loop, ServerOptions options);
  void shutdown();

 private:
  struct Pending {
    sut::ConnId conn = 0;
    nlohmann::json client_id;
  };
  void on_line(sut::ConnId conn, std::string&& line);
  void on_client(sut::ConnId conn, nlohmann::json request);
  void on_close(sut::ConnId conn);
  void absorb(Outputs&& out);
  void flush();
  void reply(sut::ConnId conn, const nlohmann::json& msg);

  sut::EventLoop& loop_;
  ServerOptions options_;
  sut::EventLog log_;
  sut::DataDirLock lock_;
  sut::DurableLog::Recovery recovery_;
  sut::DurableLog disk_;
  std::unique_ptr<TwoPcCore> core_;
  std::unique_ptr<sut::LineServer> server_;
  std::unique_ptr<sut::PeerLinks> peers_;
  Outputs batch_;
  bool flush_posted_ = false;
  bool stopping_ = false;
  std::map<uint64_t, Pending> pending_;  // request handle -> waiting client
  uint64_t next_handle_ = 1;
  uint64_t bad_lines_ = 0;
};

}  // namespace faultline::twopc
