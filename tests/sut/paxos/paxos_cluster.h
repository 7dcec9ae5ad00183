// PaxosCluster: real faultline-paxosd processes on 127.0.0.1 for integration tests and the
// benchmark. Owns every pid it starts and kills only those (SIGKILL + waitpid in the
// destructor, so a failing test leaves nothing behind); data dirs live in one fresh temp dir
// under $TMPDIR (default /tmp) that is removed at the end. Ports are picked by binding port 0. All waits are bounded.
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
  uint16_t port(std::size_t i) const { return ports_[i]; }
  bool running(std::size_t i) const { return pids_[i] > 0; }

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
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string binary_;
  std::vector<std::string> extra_flags_;
  std::vector<std::string> names_;
  std::vector<uint16_t> ports_;
  std::vector<pid_t> pids_;
  std::optional<std::size_t> leader_;
  uint64_t next_id_ = 1;
};

}  // namespace faultline::paxos::testing
