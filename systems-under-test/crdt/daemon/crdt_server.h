// CrdtServer: one faultline-crdtd node: a CrdtStore behind the shared SUT layer (Asio line
// server, peer links, durable log), on one thread.
//
// Every node accepts every op locally (no leader, never `not-leader`/`unavailable`). Updates
// change the store at once and append the changed key's record to crdt.log; replies and peer
// messages are queued and sent by a posted flush that first fsyncs the log (group commit), so
// nothing leaves the node before the state it reveals is durable and kill -9 loses nothing
// acknowledged. Reads are local and go through the same queue (a read never shows an update
// that a crash could still lose).
//
// Anti-entropy: every gossip_ms the node sends each peer {"rpc":"sync","vv":V}; the peer
// answers {"rpc":"delta","vv":its vv,"keys":{...}} with every key holding an update V lacks;
// the node merges it, persists the changed keys and its new version vector. Lost or duplicated
// messages are harmless (merges are idempotent; the next round repeats).
//
// `status` value: {"node", "leader": "", "vv", "keys", "peers": {id: {"vv", "age_ms"}},
// "converged"}: converged when every peer was heard from in the last 5 gossip periods with a
// version vector equal to this node's (workloads poll it before their final reads).
//
// Recovery: crdt.log is replayed (torn tail truncated), then rewritten as a snapshot (one
// record per key + the version vector). drop-on-restart: local updates are acknowledged without
// being logged, and recovery forgets the node's own sequence number.
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "faultline/crdt/crdt_store.h"
#include "faultline/sut/address.h"
#include "faultline/sut/data_dir.h"
#include "faultline/sut/durable_log.h"
#include "faultline/sut/event_log.h"
#include "faultline/sut/event_loop.h"

namespace faultline::crdt {

struct ServerOptions {
  std::string id;
  sut::Endpoint listen;
  sut::PeerMap members;  // every node including id
  std::string data_dir;
  Bugs bugs;
  uint32_t gossip_ms = 100;
};

class CrdtServer {
 public:
  // Locks and recovers the data dir, binds the listen address; throws SutError.
  CrdtServer(sut::EventLoop& loop, ServerOptions options);
  // Flushes what is queued (replies included).
  void shutdown();

 private:
  struct PeerView {
    VersionVector vv;
    std::chrono::steady_clock::time_point heard{};
  };
  void on_line(sut::ConnId conn, std::string&& line);
  void on_client(sut::ConnId conn, const Json& request);
  void on_peer(const Json& msg);
  void gossip();
  Json status() const;
  void reply(sut::ConnId conn, Json msg);
  void to_peer(const std::string& peer, Json msg);
  void schedule_flush();
  void flush();

  sut::EventLoop& loop_;
  ServerOptions options_;
  sut::EventLog log_;
  sut::DataDir dir_;
  sut::DurableLog::Recovery recovery_;  // filled while disk_ opens
  sut::DurableLog disk_;
  CrdtStore store_;
  std::unique_ptr<sut::LineServer> server_;
  std::unique_ptr<sut::PeerLinks> peers_;
  std::map<std::string, PeerView> peer_views_;
  std::vector<std::pair<sut::ConnId, std::string>> replies_;
  std::vector<std::pair<std::string, std::string>> peer_out_;
  bool flush_posted_ = false;
  bool stopping_ = false;
  uint64_t updates_ = 0, merges_ = 0, bad_peer_lines_ = 0;
};

}  // namespace faultline::crdt
