// RaftDaemon: the I/O shell of faultline-raftd around the pure KvRaftNode.
// One thread: the EventLoop delivers client lines, peer lines and ticks; each burst of input
// is followed by one flush (posted, so everything already received joins the batch): persist
// with a single fdatasync (group commit), then send peer messages, then answer clients.
// Owns <data-dir>/raft.log and an flock on <data-dir>/LOCK (two daemons on one dir = error).
#pragma once
#include <string>

#include "faultline/raft/raft_core.h"
#include "faultline/sut/address.h"

namespace faultline::raft {

struct DaemonOptions {
  std::string id;
  sut::Endpoint listen;
  sut::PeerMap peers;  // every member including id
  std::string data_dir;
  RaftBugs bugs;
  bool stale_read = false;
  int election_timeout_ms = 300;
  int heartbeat_ms = 50;
  int tick_ms = 10;
  int request_timeout_ms = 5000;
};

// Runs until SIGTERM/SIGINT; returns the process exit code (0 clean, 1 on fatal error).
int run_raft_daemon(const DaemonOptions& options);

}  // namespace faultline::raft
