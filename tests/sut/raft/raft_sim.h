// RaftSimulation: a seeded, deterministic in-memory cluster of KvRaftNode replicas, a faulty
// network and simulated clients — the etcd-io/raft style test bed for the pure core.
//
// Per tick: every live node ticks; due messages are delivered in random order (messages are
// dropped, duplicated and delayed by random amounts, which also reorders them; a partition drops
// messages across its cut); clients issue read / write / cas on a few keys; the nemesis crashes
// nodes (losing all volatile state), restarts them from exactly what they persisted, and opens
// and heals random partitions. After every input the node is flushed as faultline-raftd does:
// a leader's appends enter the network first, then the persist output goes to its simulated
// disk (the node may crash in between), then its other messages and its replies leave.
// With async_persist the flush instead models faultline-raftd's background fsync: the persist
// output reaches the disk only after a random delay (in order; a crash loses what is still
// pending), the node learns it through KvRaftNode::on_persisted, non-App messages wait for
// their batch (and every earlier one) to be on disk, and client replies leave at once.
//
// Safety is checked after every flush, and the first violation ends the run:
//   election safety     at most one leader per term (ever)
//   log matching        an (index, term) pair always names the same command and predecessor term
//   leader completeness a leader's log holds every entry known committed
//   state machine safety every node applies the same entry at each index
// At the end, each key's client history must be linearizable (register_linearizability.h).
// Each violation carries its kind (SimReport::kind), so a bug knob's test can insist on the
// violation that knob causes. Independently of the verdict, the clients' history is searched for
// stale reads (find_stale_reads below), the signature of the stale-read knob.
#pragma once
#include <cstdint>
#include <string>

#include "faultline/raft/raft_core.h"

namespace faultline::raft::test {

struct SimOptions {
  uint64_t seed = 1;
  int nodes = 3;
  int ticks = 400;
  int clients = 4;
  int keys = 3;
  double drop = 0.05;
  double duplicate = 0.03;
  int max_delay_ticks = 3;
  double crash_per_tick = 0.01;      // chance per tick that a random live node crashes
  double restart_per_tick = 0.1;     // chance per tick that a random dead node restarts
  double partition_per_tick = 0.01;  // chance per tick to open (or heal) a random partition
  double crash_before_persist = 0.001;  // chance per flush to crash after a leader's appends
                                        // left but before anything was persisted
  double read_to_random_node = 0.3;  // clients sometimes ask any node (exercises redirects)
  RaftBugs bugs;
  bool stale_read = false;
  bool async_persist = false;      // see the header comment
  // async_persist: a batch reaches the disk 0 or 1 ticks later, or with chance slow_persist
  // 2..max_persist_delay_ticks later (a slow fsync: the leader's own copy lags its followers').
  double slow_persist = 0.1;
  int max_persist_delay_ticks = 6;
  double crash_while_persisting = 0.05;  // async_persist: chance per tick that a node with
                                         // batches not yet on disk crashes (losing them)
};

enum class ViolationKind {
  None,
  ElectionSafety,       // two leaders in one term
  LogMatching,
  LeaderCompleteness,
  StateMachineSafety,   // two different entries applied at one index
  NonLinearizable,      // the client history (faultline's checker or the test oracle)
  Liveness,             // no progress after healing
  Other                 // malformed output of the node (non-contiguous persist, bad reply)
};
const char* to_string(ViolationKind k);

struct SimReport {
  bool ok = true;
  ViolationKind kind = ViolationKind::None;  // of the first violation
  std::string violation;  // first safety / linearizability violation, with the seed
  // Reads that returned a value older than an acknowledged write which completed before the
  // read began (whatever ended the run); the first one described.
  uint64_t stale_reads = 0;
  std::string stale_read_example;
  uint64_t ops_ok = 0, ops_failed = 0, ops_info = 0;
  uint64_t max_commit = 0;
  uint64_t leaders_elected = 0;
};

SimReport run_simulation(const SimOptions& options);

}  // namespace faultline::raft::test
