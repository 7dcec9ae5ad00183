// What every reference daemon's main() shares: the common flags (--id --listen --peers
// --data-dir --bug), the one-daemon-per-data-dir lock, and the ms -> protocol ticks rule.
//
//   DaemonFlags f;  add_daemon_flags(app, f, "bug help text", {"bug-a", "bug-b"});
//   app.parse(...); f.resolve();   // parses addresses, checks --id is in --peers, splits --bug
//
// resolve() throws SutError naming the bad flag; mains turn it (and CLI11 parse errors) into
// exit 254. DataDirLock creates the directory and holds an exclusive flock on <dir>/LOCK for
// its lifetime; a second daemon on the same dir gets SutError (mains exit 1).
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "faultline/sut/address.h"

namespace CLI {
class App;
}

namespace faultline::sut {

struct DaemonFlags {
  // Raw flag text, filled by CLI11.
  std::string id, listen_text, peers_text, data_dir;
  std::vector<std::string> bug_text;  // repeatable, each may be comma separated
  std::vector<std::string> known_bugs;
  // Filled by resolve().
  Endpoint listen;
  PeerMap peers;  // every member including id
  std::set<std::string> bugs;

  void resolve();
  bool has_bug(const std::string& name) const { return bugs.count(name) > 0; }
};

// Registers --id, --listen, --peers, --data-dir (all required) and --bug (repeatable).
void add_daemon_flags(CLI::App& app, DaemonFlags& flags, const std::string& bug_help,
                      std::vector<std::string> known_bugs);

// At least one tick: max(1, ms / tick_ms).
uint32_t ms_to_ticks(uint32_t ms, uint32_t tick_ms);

class DataDirLock {
 public:
  explicit DataDirLock(const std::string& dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace faultline::sut
