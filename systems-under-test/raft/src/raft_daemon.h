// RaftDaemon: the I/O shell of faultline-raftd around the pure KvRaftNode.
// One event-loop thread delivers client lines, peer lines and ticks; each burst of input is
// followed by one flush (posted, so everything already received joins the batch). A flush
// writes the batch's log records out and hands the fdatasync to one of two sync threads
// (overlapping; whatever is written meanwhile joins the next one: group commit), or does it
// inline while fdatasync takes microseconds (tmpfs). AppendEntries leave at once; votes and acks
// wait until their batch and all earlier ones are durable; the leader counts its own log
// towards commits only as far as it is durable (RaftConfig::async_persist); client replies
// (committed entries, ReadIndex reads) leave at once. A failed write or fdatasync stops the
// daemon (exit 1) without acknowledging anything that depended on it.
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
