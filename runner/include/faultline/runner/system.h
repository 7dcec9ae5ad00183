// System: the lifecycle of a system under test on a set of nodes (docs/ARCHITECTURE.md), and
// the registry of systems the runner knows (`--system NAME`).
//
// Adding a system = one folder (systems-under-test/<name>/ with its daemon and a system.json)
// + one line in runner/src/systems.cpp. Reference daemons speaking PROTOCOL.md are described
// entirely by their system.json (daemon_system.cpp reads it); other systems implement System.
//
// Life, driven by the runner (run.cpp), for every node in parallel unless said otherwise:
//   install(node)      put the binaries on the node (upload when the build's path is not
//                      visible there)
//   setup(node)        clean leftovers of an earlier run, prepare directories
//   start(node)        start the daemon (Remote::spawn with pid file and log file);
//                      also the nemesis's in-process restart after a kill
//   serving(timeout)   true once every node answers the protocol (ready probe), bounded
//   primaries()        nodes that currently lead (status probe), for the nemesis
//   hooks()            what the nemesis needs: process selector, restart hook + shell command
//   teardown(node)     stop the daemon (SIGTERM, then SIGKILL) and remove its data
//   log_files(node)    files on the node to pull into store/.../nodes/<node>/
//   client(process)    a SutClient for a client process (process p talks to node p % n)
// Threads: start/teardown/install of different nodes run concurrently (each on its own Remote);
// client() and primaries() may be called from any thread.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <faultline/core/op.h>
#include <faultline/workloads/client.h>

namespace faultline::control {
class Remote;
}

namespace faultline::runner {

// A node as the system sees it: name, the address clients and peers use, its Remote.
struct SystemNode {
  std::string name;
  std::string host;          // address the daemon listens on / peers connect to
  int port = 0;              // 0 = the system's default port
  control::Remote* remote = nullptr;  // not owned
  std::string dir;           // local-processes: the node's private directory (else empty)
};

struct SystemContext {
  std::vector<SystemNode> nodes;
  std::string bug;                 // empty = none
  std::string control_netns;       // local clusters: client sockets are opened in here
  bool local_processes = false;    // nodes are processes of this machine (paths relative to dir)
  double client_timeout_s = 2;
  // Extra environment of the daemon per node (e.g. libfaketime for the clock nemesis).
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> daemon_env;
};

// Static facts about a system, for --list and validation.
struct SystemInfo {
  std::string name;
  std::string description;
  std::vector<std::string> ops;               // PROTOCOL.md ops it serves
  std::map<std::string, std::string> bugs;    // --bug NAME -> what it breaks
  // The system has primaries (leaders) that primaries() names: a nemesis may aim at them
  // (KIND:primaries, and an unaimed fault may draw "primaries"). False for a leaderless one.
  bool has_primaries = false;
};

struct NemesisHooks {
  // One of pid_file (a path on the node) or pattern selects the daemon's processes.
  std::string pid_file;
  std::string pattern;
  std::function<void(const std::string& node)> restart;
  std::string restart_cmd;  // shell text run on the node (heal after a control crash)
};

class System {
 public:
  virtual ~System() = default;
  virtual const SystemInfo& info() const = 0;
  virtual void install(const std::string& node) = 0;
  // Stops leftovers of an earlier run, removes old data, prepares directories.
  virtual void setup(const std::string& node) = 0;
  virtual void start(const std::string& node) = 0;
  // Polls until every node answers (or timeout); returns the nodes still not serving.
  virtual std::vector<std::string> wait_serving(double timeout_s) = 0;
  virtual std::vector<std::string> primaries() = 0;
  virtual NemesisHooks hooks() = 0;
  virtual void teardown(const std::string& node) = 0;
  virtual std::vector<std::string> log_files(const std::string& node) = 0;
  virtual std::unique_ptr<workloads::SutClient> client(int64_t process) = 0;
};

// Registry (runner/src/systems.cpp).
std::vector<std::string> system_names();
// Throws SpecError (spec.h) naming the known systems when unknown.
SystemInfo system_info(const std::string& name);
std::unique_ptr<System> make_system(const std::string& name, SystemContext ctx);

}  // namespace faultline::runner
