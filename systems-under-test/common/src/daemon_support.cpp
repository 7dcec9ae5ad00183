#include "faultline/sut/daemon_support.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include <CLI/CLI.hpp>

#include "faultline/sut/error.h"

namespace faultline::sut {

void add_daemon_flags(CLI::App& app, DaemonFlags& f, const std::string& bug_help,
                      std::vector<std::string> known_bugs) {
  f.known_bugs = std::move(known_bugs);
  app.add_option("--id", f.id, "this node's id; must be one of the ids in --peers")->required();
  app.add_option("--listen", f.listen_text, "HOST:PORT to listen on for clients and peers")
      ->required();
  app.add_option("--peers", f.peers_text,
                 "every cluster member including this node: ID=HOST:PORT,ID=HOST:PORT,...")
      ->required();
  app.add_option("--data-dir", f.data_dir,
                 "directory for the durable log and its LOCK file; created if absent; "
                 "restarting with the same dir recovers the node")
      ->required();
  app.add_option("--bug", f.bug_text,
                 "switch on a documented bug (repeatable or comma separated): " + bug_help +
                     "; default none");
}

void DaemonFlags::resolve() {
  listen = parse_endpoint(listen_text);
  peers = parse_peers(peers_text);
  if (!peers.count(id)) throw SutError("--id \"" + id + "\" is not listed in --peers");
  bugs.clear();
  for (const std::string& list : bug_text) {
    std::stringstream ss(list);
    std::string name;
    while (std::getline(ss, name, ',')) {
      if (name.empty() || name == "none") continue;
      if (std::find(known_bugs.begin(), known_bugs.end(), name) == known_bugs.end()) {
        std::string known;
        for (const auto& k : known_bugs) known += (known.empty() ? "" : ", ") + k;
        throw SutError("--bug: unknown bug \"" + name + "\" (known: " + known + ")");
      }
      bugs.insert(name);
    }
  }
}

uint32_t ms_to_ticks(uint32_t ms, uint32_t tick_ms) {
  return std::max<uint32_t>(1, ms / std::max<uint32_t>(1, tick_ms));
}

DataDirLock::DataDirLock(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw SutError("cannot create --data-dir " + dir + ": " + ec.message());
  const std::string path = dir + "/LOCK";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw SutError("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw SutError("data dir " + dir +
                   " is locked by another daemon (stop it or use another --data-dir)");
  }
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace faultline::sut
