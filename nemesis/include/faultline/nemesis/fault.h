// Fault: one kind of failure the nemesis can inject (partition, loss, rate, delay, pause, kill,
// clock). Adding a fault = one file in nemesis/src/faults/ + one line in fault_registry.cpp.
//
// Contract for implementations:
//   start()  applies the fault to its nodes through their Remotes. EVERY node step goes through
//            FaultContext::journal_step() before any command for it runs, so a crash between the
//            two leaves a journaled step whose undo is harmless (undo is idempotent). Returns a
//            JSON description for the history op (what was done, where). Throws FaultError when
//            a step fails; steps already applied stay journaled and are undone by heal.
//   undo()   undoes one journaled step on its node; idempotent (undoing twice, or undoing a step
//            that was never applied, is fine); throws FaultError on failure.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/control/remote.h"
#include "faultline/nemesis/journal.h"

namespace faultline::nemesis {

// A failed fault step, naming the node and the command.
class FaultError : public std::runtime_error {
 public:
  FaultError(std::string node, std::string command, const std::string& what)
      : std::runtime_error(node + ": " + what + " (command: " + command + ")"),
        node_(std::move(node)), command_(std::move(command)) {}
  const std::string& node() const { return node_; }
  const std::string& command() const { return command_; }

 private:
  std::string node_;
  std::string command_;
};

// A cluster node as the nemesis sees it. `remote` is not owned and outlives the Nemesis.
struct NodeHandle {
  std::string name;
  std::string address;  // IPv4 address other nodes reach it on (used in iptables rules)
  control::Remote* remote = nullptr;
};

// Which processes of the system under test crash/pause act on. Exactly one field is set.
struct ProcessSelector {
  std::string name;      // exact process name (pgrep -x)
  std::string pattern;   // extended regex over the full command line (pgrep -f)
  std::string pid_file;  // a file on the node holding the pid
  bool empty() const { return name.empty() && pattern.empty() && pid_file.empty(); }
  Json to_json() const;
  static ProcessSelector from_json(const Json& j);
};

// What faults need from the system under test.
struct SystemHooks {
  ProcessSelector processes;
  // Restarts the system on `node` after a crash (in-process; the runner's System::start).
  std::function<void(const std::string& node)> restart;
  // Shell command that restarts it on the node, journaled so a heal after SIGKILL of the
  // control process can restart too. Used when `restart` is empty.
  std::string restart_cmd;
  // Current primaries/leaders, when the system has such a notion.
  std::function<std::vector<std::string>()> primaries;
};

struct NemesisConfig {
  std::string journal_path;  // required
  // libfaketime offset file on each node; "{node}" is replaced by the node name. Processes of
  // the system must be started with faketime_env() so they read it.
  std::string clock_file = "/var/lib/faultline/clock/{node}.faketime";
  // Where pid files of nemesis helpers (delayd, clock strobe) live on the node.
  std::string node_state_dir = "/tmp/faultline-nemesis/{node}";
  // faultline-delayd: path on the control machine (uploaded when missing on the node) and on
  // the node.
  std::string delayd_local_path;
  std::string delayd_remote_path = "/tmp/faultline-nemesis/faultline-delayd";
  uint64_t seed = 0;
  int64_t process_wait_ms = 5000;  // bound on waiting for a killed/stopped process to settle
  // Interface for tc on the node; empty = the one routing to the first peer.
  std::string net_device;
};

struct FaultSpec {
  std::string kind;
  Json params = Json::object();  // kind-specific, documented in each fault's file
  std::string target = "all";    // target spec (see target.h); some kinds use params instead
  Json to_json() const;
  static FaultSpec from_json(const Json& j);
};

// The view of the nemesis a fault works through.
class FaultContext {
 public:
  virtual ~FaultContext() = default;
  virtual const std::vector<NodeHandle>& nodes() const = 0;
  virtual const NodeHandle& node(const std::string& name) const = 0;
  virtual const SystemHooks& hooks() const = 0;
  virtual const NemesisConfig& config() const = 0;
  // Id of the fault being started ("delay-3").
  virtual const std::string& fault_id() const = 0;
  // Seed for this fault's random choices (derived from the nemesis seed and the fault id).
  virtual uint64_t seed() const = 0;
  // Nodes the spec's target selects (seeded).
  virtual std::vector<std::string> targets(const FaultSpec& spec) const = 0;
  // Journals "about to apply `undo` on `node`" (fsync'ed) for the fault being started.
  virtual void journal_step(const std::string& node, const Json& undo) = 0;
  // Runs `cmd` on `node`; throws FaultError when it exits non-zero (or the node is unreachable).
  virtual control::ExecResult run(const std::string& node, const std::string& cmd,
                                  int64_t timeout_ms = 30'000) = 0;
  // clock_file / node_state_dir with {node} replaced.
  std::string clock_file(const std::string& node) const;
  std::string state_dir(const std::string& node) const;
};

class Fault {
 public:
  virtual ~Fault() = default;
  virtual std::string_view kind() const = 0;
  virtual Json start(FaultContext& ctx, const FaultSpec& spec) = 0;
  virtual void undo(FaultContext& ctx, const UndoStep& step) = 0;
};

// Registry (fault_registry.cpp). make_fault throws std::invalid_argument for an unknown kind.
std::unique_ptr<Fault> make_fault(std::string_view kind);
std::vector<std::string> fault_kinds();

// Environment to start a system process under libfaketime reading the node's offset file.
std::vector<std::pair<std::string, std::string>> faketime_env(const NemesisConfig& cfg,
                                                              const std::string& node,
                                                              bool multithreaded = true);

}  // namespace faultline::nemesis
