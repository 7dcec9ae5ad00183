// LocalDaemonCluster: test helper that runs N reference daemons as real processes on free
// loopback ports (127.0.0.1 only), each with its own data dir and stderr log under a private
// temp dir. It only ever signals pids it started itself, waits are bounded, and the destructor
// kill -9s and reaps whatever is still running and removes the temp dir.
// Daemons get: --id nI --listen 127.0.0.1:P --peers <all> --data-dir DIR plus extra_args.
// The temp dir is a fresh mkdtemp under $TMPDIR (default /tmp), faultline-sut-NAME-XXXXXX;
// set FAULTLINE_SUT_KEEP_DIR=1 to keep it (data dirs and nI.log) for a post-mortem.
// Used by the Raft tests and bench directly and, under its own API, by the Paxos PaxosCluster.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/sut/address.h"

namespace faultline::sut::test {

class LocalDaemonCluster {
 public:
  LocalDaemonCluster(std::string binary, int nodes, std::vector<std::string> extra_args,
                     const std::string& name);
  ~LocalDaemonCluster();
  LocalDaemonCluster(const LocalDaemonCluster&) = delete;
  LocalDaemonCluster& operator=(const LocalDaemonCluster&) = delete;

  int size() const { return static_cast<int>(ports_.size()); }
  std::string id(int i) const { return "n" + std::to_string(i + 1); }
  int index_of(const std::string& id) const;
  Endpoint endpoint(int i) const { return {"127.0.0.1", ports_[i]}; }
  std::string log_text(int i) const;
  const std::string& dir() const { return dir_; }

  void start(int i);
  void start_all();
  // Waits (bounded) until node i accepts connections on its port. False if it did not within
  // `wait`; throws std::runtime_error with its log tail if it exited (e.g. bad flags).
  bool wait_listening(int i, std::chrono::milliseconds wait);
  void kill9(int i);
  // SIGTERM and wait (bounded); returns the exit status, or nullopt if it had to be killed.
  std::optional<int> terminate(int i, std::chrono::milliseconds wait);
  bool running(int i) const { return pids_[i] > 0; }

  // One request to node i with the blocking client; nullopt on connection/timeout trouble.
  std::optional<nlohmann::json> ask(int i, const nlohmann::json& req,
                                    std::chrono::milliseconds timeout) const;
  // Sends req to the cluster, following not-leader hints and retrying definite errors
  // (not-leader, unavailable) on other nodes until the deadline. Returns the final reply (ok
  // or a non-retryable error) and which node gave it; nullopt at the deadline.
  struct Answer {
    nlohmann::json reply;
    int node;
  };
  std::optional<Answer> request(const nlohmann::json& req, std::chrono::milliseconds deadline);

 private:
  std::string binary_;
  std::vector<std::string> extra_args_;
  std::string dir_;
  std::vector<uint16_t> ports_;
  std::vector<pid_t> pids_;
  int guess_ = 0;
};

}  // namespace faultline::sut::test
