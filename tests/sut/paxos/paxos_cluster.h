// PaxosCluster: real faultline-paxosd processes on 127.0.0.1 for integration tests and the
// benchmark. The processes, ports and temp dir are a sut::test::LocalDaemonCluster
// (../local_daemon_cluster.h: own pids only, SIGKILL + waitpid in the destructor, one fresh
// temp dir under $TMPDIR removed at the end, FAULTLINE_SUT_KEEP_DIR=1 keeps it); this class adds
// the Paxos tests' API on top: start() waits until the node listens, request() classifies
// outcomes, status(). All waits are bounded.
//
// request() is a leader-seeking client: it follows not-leader hints, retries definite
// refusals (not-leader, unavailable) and connection failures until its deadline, and reports
// whether the outcome is known: ok / definite error / indeterminate (timeout, I/O after send).
#pragma once
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "local_daemon_cluster.h"

namespace faultline::paxos::testing {

struct Outcome {
  enum class Kind { Ok, Definite, Indeterminate } kind = Kind::Indeterminate;
  nlohmann::json reply;  // last reply seen (null if none)
  std::string node;      // node that gave the final answer
};

class PaxosCluster {
 public:
  PaxosCluster(std::size_t nodes, std::vector<std::string> extra_flags = {});
  ~PaxosCluster();
  PaxosCluster(const PaxosCluster&) = delete;
  PaxosCluster& operator=(const PaxosCluster&) = delete;

  std::size_t size() const { return names_.size(); }
  const std::string& name(std::size_t i) const { return names_[i]; }
  uint16_t port(std::size_t i) const { return procs_.endpoint(static_cast<int>(i)).port; }
  bool running(std::size_t i) const { return procs_.running(static_cast<int>(i)); }

  void start(std::size_t i);
  void kill9(std::size_t i);
  // SIGTERM and wait (bounded); returns the exit status (-1 if it had to be SIGKILLed).
  int terminate(std::size_t i, std::chrono::milliseconds wait = std::chrono::seconds(5));

  // Sends `request` (an "id" is added) to running nodes until a final answer or the deadline.
  Outcome request(nlohmann::json request, std::chrono::milliseconds deadline);
  // The node's `status` reply value (local view), or nullopt if it does not answer in time.
  std::optional<nlohmann::json> status(std::size_t i, std::chrono::milliseconds timeout = std::chrono::seconds(1));
  // Index of the node that answered the last ok, if any.
  std::optional<std::size_t> last_leader() const { return leader_; }
  std::string log_tail(std::size_t i, std::size_t lines = 20) const;
  const std::string& dir() const { return procs_.dir(); }

 private:
  sut::test::LocalDaemonCluster procs_;
  std::vector<std::string> names_;
  std::optional<std::size_t> leader_;
  uint64_t next_id_ = 1;
};

}  // namespace faultline::paxos::testing
