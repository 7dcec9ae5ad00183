// TestSpec: everything that defines one `faultline test` run, as one JSON document (stored as
// test.json with the run) or built from command-line flags, Jepsen/Maelstrom style:
//   faultline test --system raft [--bug stale-read] --workload register --nemesis partition,kill
//                  --nodes 5 | --nodes-file F | --cluster NAME | --local-processes
//                  --time-limit 60 --concurrency 10 --rate 200 --seed 42
//
// JSON shape (every member optional except system and workload; defaults below):
//   {"name": "raft-register", "system": "raft", "bug": null, "workload": "register",
//    "workload_params": {}, "nemesis": ["partition", "kill"], "nemesis_interval_s": 5,
//    "nodes": {"mode": "local-cluster", "count": 5, "cluster": "fl-<name>"} |
//             {"mode": "hosts", "nodes_file": F, "nodes": "h1,h2", "ssh_user": "root",
//              "ssh_key": "", "ssh_port": 22, "strict_host_key_checking": true} |
//             {"mode": "cluster", "cluster": NAME} |
//             {"mode": "local-processes", "count": 3, "base_port": 0},
//    "time_limit_s": 60, "concurrency": 10, "rate": 200, "arrival": "uniform"|"poisson",
//    "seed": 42, "test_count": 1, "leave_running": false, "store": "./store",
//    "client_timeout_s": 2, "recovery_timeout_s": 20, "ready_timeout_s": 20}
// Node modes: local-cluster = a fresh local cluster (netns + sshd, root) brought up for the run
// and torn down after it (kept with leave_running); cluster = an existing local cluster, left up;
// hosts = real hosts over SSH; local-processes = daemons as plain processes of this machine on
// loopback ports (no root; base_port 0 = pick free ports).
// The default name is "<system>[-<bug>]-<workload>".
//
// validate() throws SpecError with a message a user can act on for: unknown system / bug /
// workload / fault kind / fault target, a workload needing ops the system does not serve, partition (or any
// network fault) with local processes, non-positive time limit / concurrency, bad node counts.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <faultline/core/op.h>

namespace faultline::runner {

class SpecError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class NodesMode { LocalCluster, Cluster, Hosts, LocalProcesses };
std::string to_string(NodesMode m);

struct NodesSpec {
  NodesMode mode = NodesMode::LocalCluster;
  int count = 5;                 // local-cluster / local-processes
  std::string cluster;           // cluster: name of an existing one; local-cluster: name to use
  std::string nodes_file;        // hosts
  std::string nodes;             // hosts: "h1,h2:2222"
  std::string ssh_user = "root";
  std::string ssh_key;
  int ssh_port = 22;
  bool strict_host_key_checking = true;
  int base_port = 0;             // local-processes: first port (0 = free ports)
};

struct TestSpec {
  std::string name;              // empty: default_name()
  std::string system;
  std::string bug;               // empty = none
  std::string workload;
  Json workload_params = Json::object();
  std::vector<std::string> nemesis;  // fault kinds (KIND or KIND:TARGET); empty = no nemesis
  double nemesis_interval_s = 5;
  NodesSpec nodes;
  double time_limit_s = 60;
  int concurrency = 10;
  double rate = 0;               // ops/s over all processes; 0 = as fast as they go
  std::string arrival = "uniform";
  uint64_t seed = 0;
  int test_count = 1;
  bool leave_running = false;
  std::string store = "store";
  double client_timeout_s = 2;
  double recovery_timeout_s = 20;
  double ready_timeout_s = 20;

  std::string default_name() const;
  std::string effective_name() const { return name.empty() ? default_name() : name; }
};

// A nemesis entry is KIND (the kind's default target) or KIND:TARGET with TARGET as in
// nemesis/target.h: one, minority, majority, all, primaries, any or n1+n2 (nodes joined by '+',
// as ',' separates entries), e.g. `--nemesis partition,kill:primaries` kills the current leader;
// for partition a target other than all isolates those nodes from the rest
// (`partition:primaries` cuts the leader off). The default target: random halves for a
// partition, "any" (a node spec drawn per occurrence, run.cpp default_fault) for the others.
// validate() rejects partition:any and primaries on a system without primaries.
struct NemesisEntry {
  std::string kind;
  std::string target;  // empty = the kind's default
};
// Splits at the first ':' and turns '+' in the target into ','; no validation (validate does it).
NemesisEntry parse_nemesis_entry(const std::string& entry);
// Faults that act on the network (partition, loss, rate, delay): not with --local-processes.
bool is_network_fault(const std::string& kind);

Json spec_to_json(const TestSpec& s);
// Throws SpecError naming the bad member.
TestSpec spec_from_json(const Json& j);
TestSpec read_spec_file(const std::string& path);

// See the header comment. Needs the system and workload registries.
void validate(const TestSpec& s);

}  // namespace faultline::runner
