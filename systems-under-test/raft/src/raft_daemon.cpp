#include "raft_daemon.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

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

// Where the log stood when some bytes were written out: reported to the core once durable.
struct LogPos {
  uint64_t index = 0;
  uint64_t term = 0;
};

struct SyncJob {
  uint64_t seq = 0;  // the written-out batch this fdatasync makes durable (and all before it)
  LogPos pos;
};

struct Held {
  uint64_t seq;  // peer messages sent once batch seq is durable
  std::vector<Message> messages;
};

class Daemon {
 public:
  Daemon(const DaemonOptions& o, sut::EventLog& log) : o_(o), log_(log) {}
  ~Daemon() { stop_sync_threads(); }

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
    cfg.async_persist = true;  // fsync threads below
    if (!state.log.empty()) written_pos_ = {state.log.back().index, state.log.back().term};
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
    for (int i = 0; i < kSyncThreads; ++i) sync_threads_.emplace_back([this] { sync_worker(); });
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

  // Persistence runs beside the loop: flush() writes the batch out (page cache) and hands the
  // fdatasync to a sync thread; up to kSyncThreads fdatasyncs overlap, and whatever is written
  // while they run joins the next one (group commit). Meanwhile the loop keeps reading,
  // replicating and answering. Durability rules (raft_core.h, async_persist):
  //  - App messages leave at once (thesis §10.2.1: followers persist in parallel with the
  //    leader); the core counts the leader's own copy only up to what on_synced() reported.
  //  - every other peer message (votes, acks) promises durability: it waits, in order, until
  //    everything written out up to its flush is durable.
  //  - client replies leave at once: a reply answers only committed entries (durable on a
  //    majority by the rule above) or reads served at such an index.
  void flush() {
    if (stopping_) return;
    KvRaftNode::Output out = node_->flush();
    for (const Message& m : out.messages)
      if (m.type == MsgType::App) links_->send(m.to, to_json(m).dump());
    if (out.hard_state || !out.entries.empty()) {
      try {
        storage_->save(out.hard_state, out.entries);
        storage_->write_out();
      } catch (const sut::SutError& e) {
        fail_storage(e.what());
        return;
      }
      ++written_seq_;
      if (!out.entries.empty()) written_pos_ = {out.entries.back().index, out.entries.back().term};
    }
    std::vector<Message> held;
    for (Message& m : out.messages)
      if (m.type != MsgType::App) held.push_back(std::move(m));
    if (!held.empty()) {
      if (durable_seq_ >= written_seq_ && held_.empty()) send_peer(held);
      else held_.push_back({written_seq_, std::move(held)});
    }
    for (const auto& r : out.replies) server_->send(r.token, r.body.dump());
    if (requested_seq_ < written_seq_ && in_flight_ == 0 && sync_us_avg_ < kInlineSyncUs) {
      // Storage that syncs in microseconds (tmpfs, battery-backed cache): a thread hand-off
      // would cost more than the fdatasync itself, so sync here. Slow syncs move the average
      // above the threshold and later ones to the sync threads (whose timings count too).
      auto t0 = std::chrono::steady_clock::now();
      try {
        storage_->datasync();
      } catch (const sut::SutError& e) {
        fail_storage(e.what());
        return;
      }
      note_sync_time(std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::steady_clock::now() - t0).count());
      requested_seq_ = written_seq_;
      uint64_t commit = node_->core().commit_index();
      mark_durable(written_seq_, written_pos_);
      if (!compact_if_idle()) return;
      if (node_->core().commit_index() != commit) schedule_flush();
    } else {
      start_sync();
    }
    note_role_change();
  }

  void send_peer(const std::vector<Message>& msgs) {
    for (const Message& m : msgs) links_->send(m.to, to_json(m).dump());
  }

  void fail_storage(const std::string& what) {
    log_.error("storage failure; stopping without acknowledging", {{"error", what}});
    exit_code_ = 1;
    stopping_ = true;
    loop_.stop();
  }

  // Loop thread: hands the newest written-out state to an idle sync thread, if any.
  void start_sync() {
    if (stopping_ || requested_seq_ >= written_seq_ || in_flight_ >= kSyncThreads) return;
    requested_seq_ = written_seq_;
    in_flight_++;
    {
      std::lock_guard lock(sync_mu_);
      sync_jobs_.push_back({written_seq_, written_pos_});
    }
    sync_cv_.notify_one();
  }

  void sync_worker() {
    for (;;) {
      SyncJob job;
      {
        std::unique_lock lock(sync_mu_);
        sync_cv_.wait(lock, [&] { return sync_quit_ || !sync_jobs_.empty(); });
        if (sync_jobs_.empty()) return;  // quitting
        job = sync_jobs_.front();
        sync_jobs_.pop_front();
      }
      std::string error;
      auto t0 = std::chrono::steady_clock::now();
      try {
        // Covers every byte written out before this call, i.e. up to job.seq at least.
        storage_->datasync();
      } catch (const std::exception& e) {
        error = e.what();
      }
      int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - t0).count();
      loop_.post([this, job, error, us] { on_synced(job, error, us); });
    }
  }

  void on_synced(const SyncJob& job, const std::string& error, int64_t us) {
    in_flight_--;
    note_sync_time(us);
    if (stopping_) return;
    if (!error.empty()) {
      fail_storage(error);
      return;
    }
    mark_durable(job.seq, job.pos);
    if (!compact_if_idle()) return;
    start_sync();
    schedule_flush();  // the leader may commit now
  }

  // Rewrites the log file when garbage dominates, if no datasync is running and nothing is
  // unsynced (safe to swap the file). False after a storage failure.
  bool compact_if_idle() {
    if (in_flight_ != 0 || requested_seq_ != written_seq_) return true;
    try {
      storage_->compact_if_due();
    } catch (const sut::SutError& e) {
      fail_storage(e.what());
      return false;
    }
    return true;
  }

  // Moving average, so one cheap fdatasync (nothing left to flush) does not pull a slow disk's
  // syncs back onto the loop thread.
  void note_sync_time(int64_t us) { sync_us_avg_ = (3 * sync_us_avg_ + us) / 4; }

  void mark_durable(uint64_t seq, LogPos pos) {
    if (seq <= durable_seq_) return;  // a later sync already finished
    durable_seq_ = seq;
    node_->on_persisted(pos.index, pos.term);
    while (!held_.empty() && held_.front().seq <= durable_seq_) {
      send_peer(held_.front().messages);
      held_.pop_front();
    }
  }

  void stop_sync_threads() {
    {
      std::lock_guard lock(sync_mu_);
      sync_quit_ = true;
    }
    sync_cv_.notify_all();
    for (auto& t : sync_threads_) t.join();
    sync_threads_.clear();
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
    flush();
    // Make everything written durable here (fdatasync may overlap a sync thread's: harmless),
    // send what waited for it, and answer what that commits.
    if (stopping_) return;
    try {
      storage_->datasync();
    } catch (const sut::SutError& e) {
      fail_storage(e.what());
      return;
    }
    mark_durable(written_seq_, written_pos_);
    flush();
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
  static constexpr int kSyncThreads = 2;
  static constexpr int64_t kInlineSyncUs = 50;  // faster fdatasyncs run on the loop thread
  // Loop thread only.
  uint64_t written_seq_ = 0;    // batches written out so far
  uint64_t requested_seq_ = 0;  // newest batch a sync thread was asked to make durable
  uint64_t durable_seq_ = 0;    // newest batch known durable
  LogPos written_pos_;          // last log entry written out
  int in_flight_ = 0;
  int64_t sync_us_avg_ = 0;     // recent fdatasync duration (moving average)
  std::deque<Held> held_;
  // Shared with the sync threads.
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::deque<SyncJob> sync_jobs_;
  bool sync_quit_ = false;
  std::vector<std::thread> sync_threads_;
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
