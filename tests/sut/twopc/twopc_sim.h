// Seeded simulation of TwoPcCore (faultline-2pcd's pure core) for the tests: 3 nodes on a
// simulated network that delays (1..max_delay ticks), reorders, drops and duplicates messages,
// with crashes (a crashed node loses everything but its durable records, misses the messages
// sent to it while down, and restarts from its log with a new incarnation). Clients submit
// transfer-like txns (cas/write/read over keys of several shards) to random live nodes.
// The oracle records every participant's live Outcome per txid.
//
// After `ticks` of faults the network heals (no drops, every node restarted) and the run goes
// on for `quiet_ticks` so blocked participants can finish.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultline/twopc/twopc_core.h"

namespace faultline::twopc::sim {

struct SimOptions {
  uint64_t seed = 1;
  Bugs bugs;
  int ticks = 2000;
  int quiet_ticks = 600;
  double drop = 0.05;
  double duplicate = 0.02;
  int max_delay = 4;
  double crash = 0.003;  // per node per tick
  int down_min = 10, down_max = 150;
  double txn_rate = 0.5;  // new client txns per tick
  int keys = 9;
};

struct SimResult {
  int txns = 0;
  int acked_commits = 0;
  int crashes = 0;
  int participant_commits = 0;
  // txids committed on one shard and aborted on another, with the nodes of each side.
  std::vector<std::string> atomicity_violations;
  // txids acknowledged to their client as committed whose shards did not all commit.
  std::vector<std::string> acked_not_applied;
  int blocked_at_end = 0;  // prepared txns still undecided after the quiet period
};

SimResult run_sim(const SimOptions& options);

}  // namespace faultline::twopc::sim
