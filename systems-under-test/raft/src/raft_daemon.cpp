#include "raft_daemon.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "faultline/raft/kv_raft_node.h"
#include "faultline/raft/raft_storage.h"
#include "faultline/sut/error.h"
#include "faultline/sut/event_log.h"
#include "faultline/sut/event_loop.h"

namespace faultline::raft {
namespace {

int lock_data_dir(const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::string path = dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw sut::SutError("cannot open " + path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
    throw sut::SutError("data dir " + dir + " is locked by another running daemon");
  return fd;  // held until exit
}

class Daemon {
 public:
  Daemon(const DaemonOptions& o, sut::EventLog& log) : o_(o), log_(log) {}

  int run() {
    lock_fd_ = lock_data_dir(o_.data_dir);
    PersistentState state;
    uint64_t truncated = 0;
    storage_.emplace(RaftStorage::open(o_.data_dir, &state, &truncated));
    log_.set_epoch(state.hard.term);
    log_.info("recovered", {{"entries", state.log.size()}, {"vote", state.hard.vote},
                            {"torn_tail_bytes", truncated}, {"data_dir", o_.data_dir}});

    RaftConfig cfg;
    cfg.id = o_.id;
    for (const auto& [id, ep] : o_.peers) cfg.members.push_back(id);
    cfg.election_ticks = std::max(2, o_.election_timeout_ms / o_.tick_ms);
    cfg.heartbeat_ticks = std::max(1, o_.heartbeat_ms / o_.tick_ms);
    cfg.seed = std::random_device{}();
    cfg.bugs = o_.bugs;
    KvNodeOptions kv;
    kv.stale_read = o_.stale_read;
    kv.request_timeout_ticks = std::max(1, o_.request_timeout_ms / o_.tick_ms);
    for (const auto& [id, ep] : o_.peers) kv.client_addrs[id] = ep.to_string();
    node_.emplace(cfg, std::move(state), kv);

    sut::PeerMap others = o_.peers;
    others.erase(o_.id);
    links_.emplace(loop_, others);
    server_.emplace(loop_, o_.listen,
                    [this](sut::ConnId c, std::string&& line) { on_line(c, line); });
    loop_.every(std::chrono::milliseconds(o_.tick_ms), [this] {
      node_->on_tick();
      schedule_flush();
    });
    loop_.on_termination_signal([this] { shutdown(); });
    log_.info("ready", {{"listen", o_.listen.host + ":" + std::to_string(server_->port())},
                        {"members", cfg.members}});
    loop_.run();
    log_.info("stopped");
    return exit_code_;
  }

 private:
  void on_line(sut::ConnId conn, const std::string& line) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      server_->send(conn, sut::make_error_reply(nullptr, sut::ErrorCode::BadRequest,
                                                "line is not a JSON object").dump());
      return;
    }
    if (sut::is_peer_message(j)) {
      try {
        Message m = message_from_json(j);
        if (m.to != o_.id || !o_.peers.count(m.from)) {
          log_.warn("dropped misaddressed peer message", {{"from", m.from}, {"to", m.to}});
          return;
        }
        node_->on_message(m);
      } catch (const std::exception& e) {
        log_.warn("dropped malformed peer message", {{"error", e.what()}});
        return;
      }
    } else {
      node_->on_request(conn, j);
    }
    schedule_flush();
  }

  void schedule_flush() {
    if (flush_scheduled_) return;
    flush_scheduled_ = true;
    loop_.post([this] {
      flush_scheduled_ = false;
      flush();
    });
  }

  void flush() {
    if (stopping_) return;
    KvRaftNode::Output out = node_->flush();
    // A leader's appends may leave before its own fsync (Raft thesis §10.2.1): followers persist
    // in parallel. Safe because the leader counts its own copy only when acks come back, which
    // is handled after this flush's fsync has returned (one thread). Everything else (votes,
    // acks, client replies) promises durability and waits for the fsync.
    for (const Message& m : out.messages)
      if (m.type == MsgType::App) links_->send(m.to, to_json(m).dump());
    try {
      storage_->save(out.hard_state, out.entries);
      storage_->sync();  // before any message or reply that depends on it
    } catch (const sut::SutError& e) {
      log_.error("storage failure; stopping without acknowledging", {{"error", e.what()}});
      exit_code_ = 1;
      stopping_ = true;
      loop_.stop();
      return;
    }
    for (const Message& m : out.messages)
      if (m.type != MsgType::App) links_->send(m.to, to_json(m).dump());
    for (const auto& r : out.replies) server_->send(r.token, r.body.dump());
    note_role_change();
  }

  void note_role_change() {
    const RaftCore& c = node_->core();
    if (c.term() == last_term_ && c.role() == last_role_ && c.leader() == last_leader_) return;
    last_term_ = c.term();
    last_role_ = c.role();
    last_leader_ = c.leader();
    log_.set_epoch(c.term());
    log_.info(std::string("became ") + to_string(c.role()),
              {{"leader", c.leader()}, {"commit", c.commit_index()}, {"last_index", c.last_index()}});
  }

  void shutdown() {
    if (stopping_) return;
    log_.info("SIGTERM: shutting down");
    flush();  // make everything decided durable and answered
    for (const auto& r : node_->abandon_all()) server_->send(r.token, r.body.dump());
    stopping_ = true;
    // Give the socket writes a moment to drain, then stop.
    loop_.after(std::chrono::milliseconds(100), [this] { loop_.stop(); });
  }

  const DaemonOptions& o_;
  sut::EventLog& log_;
  sut::EventLoop loop_;
  std::optional<RaftStorage> storage_;
  std::optional<KvRaftNode> node_;
  std::optional<sut::PeerLinks> links_;
  std::optional<sut::LineServer> server_;
  bool flush_scheduled_ = false;
  bool stopping_ = false;
  int exit_code_ = 0;
  int lock_fd_ = -1;
  uint64_t last_term_ = UINT64_MAX;
  Role last_role_ = Role::Follower;
  NodeId last_leader_;
};

}  // namespace

int run_raft_daemon(const DaemonOptions& options) {
  sut::EventLog log(options.id, "term");
  try {
    Daemon d(options, log);
    return d.run();
  } catch (const std::exception& e) {
    log.error("fatal", {{"error", e.what()}});
    return 1;
  }
}

}  // namespace faultline::raft
