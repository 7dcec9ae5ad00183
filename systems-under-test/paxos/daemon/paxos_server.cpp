// Drives PaxosCore over the shared SUT layer; the contract is in paxos_server.h.
#include "paxos_server.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "faultline/sut/error.h"
#include "faultline/sut/protocol.h"

namespace faultline::paxos {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<std::string> member_names(const sut::PeerMap& members) {
  std::vector<std::string> out;
  for (const auto& [id, ep] : members) out.push_back(id);
  return out;
}

uint32_t ticks(uint32_t ms, uint32_t tick_ms) { return std::max<uint32_t>(1, ms / tick_ms); }

}  // namespace

PaxosServer::PaxosServer(sut::EventLoop& loop, ServerOptions options)
    : loop_(loop),
      options_(std::move(options)),
      names_(member_names(options_.members)),
      self_(names_.id(options_.id)),
      log_(options_.id, "ballot"),
      disk_([&] {
        std::error_code ec;
        std::filesystem::create_directories(options_.data_dir, ec);
        if (ec) throw sut::SutError("cannot create --data-dir " + options_.data_dir + ": " + ec.message());
        // One daemon per data dir: two writers would interleave records and break recovery.
        const std::string lock_path = options_.data_dir + "/LOCK";
        lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (lock_fd_ < 0) throw sut::SutError("cannot open " + lock_path + ": " + std::strerror(errno));
        if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
          throw sut::SutError("data dir " + options_.data_dir +
                              " is locked by another daemon (stop it or use another --data-dir)");
        }
        return sut::DurableLog::open(options_.data_dir + "/paxos.log", &recovery_);
      }()) {
  // Recover: replay the intact records (open() already truncated a torn tail).
  sut::DurableLog::Recovery recovery = std::move(recovery_);
  recovery_ = {};
  std::vector<PersistRecord> records;
  records.reserve(recovery.records.size());
  for (const std::string& r : recovery.records) records.push_back(decode_record(r, names_));

  Config config;
  config.id = self_;
  config.members = names_.ids();
  config.heartbeat_ticks = ticks(options_.heartbeat_ms, options_.tick_ms);
  config.election_timeout_min_ticks = ticks(options_.election_timeout_ms, options_.tick_ms);
  config.election_timeout_max_ticks = 2 * config.election_timeout_min_ticks - 1;
  if (config.election_timeout_min_ticks <= config.heartbeat_ticks) {
    throw sut::SutError("--election-timeout-ms must be larger than --heartbeat-ms");
  }
  std::random_device rd;
  config.seed = (uint64_t(rd()) << 32) ^ rd();
  config.bugs = options_.bugs;
  core_ = std::make_unique<PaxosCore>(config, records);
  value_prefix_ = options_.id + "." + std::to_string(config.seed % 1000000007) + ".";
  log_.set_epoch(ballot_to_json(core_->ballot(), names_));
  log_.info("recovered", {{"records", records.size()},
                          {"truncated_bytes", recovery.truncated_bytes},
                          {"promised", ballot_to_json(core_->promised(), names_)},
                          {"chosen_prefix", core_->first_unchosen()},
                          {"bugs", json{{"no-persist", options_.bugs.no_persist},
                                        {"skip-promise-check", options_.bugs.skip_promise_check}}}});
  for (auto& c : core_->start().apply) {
    if (!c.value.is_noop()) kv_.apply(json::parse(c.value.payload));
    ++applied_slots_;
  }

  sut::PeerMap others = options_.members;
  others.erase(options_.id);
  peers_ = std::make_unique<sut::PeerLinks>(loop_, others);
  server_ = std::make_unique<sut::LineServer>(
      loop_, options_.listen, [this](sut::ConnId c, std::string&& l) { on_line(c, std::move(l)); },
      [this](sut::ConnId c) { on_close(c); });
  loop_.every(std::chrono::milliseconds(options_.tick_ms), [this] { on_tick(); });
  log_.info("ready", {{"listen", options_.listen.host + ":" + std::to_string(server_->port())},
                      {"members", names_.size()}});
}

PaxosServer::~PaxosServer() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

void PaxosServer::shutdown() {
  stopping_ = true;
  if (flush_posted_ || !batch_.empty()) flush();
  if (disk_.dirty()) disk_.sync();
  for (auto& [value_id, p] : pending_) {
    reply(p.conn, sut::make_error_reply(p.client_id, sut::ErrorCode::ShuttingDown,
                                        "node stopping; the operation may still take effect"));
  }
  pending_.clear();
  log_.info("shutdown", {{"applied_slots", applied_slots_}, {"bad_peer_lines", bad_peer_lines_},
                         {"dropped_peer_lines", peers_->dropped_lines()}});
}

void PaxosServer::on_line(sut::ConnId conn, std::string&& line) {
  if (stopping_) return;
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    reply(conn, sut::make_error_reply(nullptr, sut::ErrorCode::BadRequest, "line is not JSON"));
    return;
  }
  if (!sut::is_peer_message(j)) {
    on_client_request(conn, std::move(j));
    return;
  }
  try {
    Envelope e = decode_message(j, self_, names_);
    step(Receive{e.from, std::move(e.message)});
  } catch (const WireError& err) {
    // A malformed peer line is dropped (peers tolerate loss); count and log the first few.
    if (++bad_peer_lines_ <= 10) log_.warn("dropped malformed peer line", {{"error", err.what()}});
  }
}

void PaxosServer::on_client_request(sut::ConnId conn, json request) {
  if (auto err = sut::validate_request(request)) {
    json id = request.is_object() && request.contains("id") ? request["id"] : json(nullptr);
    reply(conn, sut::make_error_reply(id, sut::ErrorCode::BadRequest, *err));
    return;
  }
  json client_id = request["id"];
  if (request["op"] == "status") {  // local diagnostic view, never through the log
    auto hint = core_->leader_hint();
    reply(conn, sut::make_ok_reply(
                    client_id, json{{"node", options_.id},
                                    {"leader", hint ? names_.name(*hint) : std::string()},
                                    {"role", to_string(core_->role())},
                                    {"ballot", ballot_to_json(core_->ballot(), names_)},
                                    {"promised", ballot_to_json(core_->promised(), names_)},
                                    {"chosen_prefix", core_->first_unchosen()},
                                    {"applied", applied_slots_},
                                    {"inflight", core_->inflight()},
                                    {"pending_requests", pending_.size()}}));
    return;
  }
  if (pending_.size() >= options_.max_pending_requests) {
    reply(conn, sut::make_error_reply(client_id, sut::ErrorCode::Unavailable,
                                      "too many requests in flight; retry later"));
    return;
  }
  request.erase("id");
  std::string value_id = value_prefix_ + std::to_string(next_value_seq_++);
  pending_[value_id] = PendingRequest{
      conn, client_id, Clock::now() + std::chrono::milliseconds(options_.request_timeout_ms)};
  step(Propose{Value{value_id, request.dump()}});
}

void PaxosServer::on_close(sut::ConnId conn) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.conn == conn) it = pending_.erase(it);
    else ++it;
  }
}

void PaxosServer::on_tick() {
  if (stopping_) return;
  step(Tick{});
  if (++ticks_since_sync_ >= 10 && disk_.dirty() && !flush_posted_) {
    disk_.sync();  // lazily written chosen records
    ticks_since_sync_ = 0;
  }
  const auto now = Clock::now();
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    reply(it->second.conn,
          sut::make_error_reply(it->second.client_id, sut::ErrorCode::Timeout,
                                "no outcome within " + std::to_string(options_.request_timeout_ms) +
                                    " ms; the operation may still take effect"));
    it = pending_.erase(it);
  }
}

void PaxosServer::step(const Input& input) {
  const PaxosCore::Role role_before = core_->role();
  const Ballot ballot_before = core_->ballot();
  Outputs out = core_->step(input);
  log_transition(role_before, ballot_before);
  if (out.empty()) return;
  auto move_into = [](auto& dst, auto& src) {
    for (auto& x : src) dst.push_back(std::move(x));
  };
  move_into(batch_.persist, out.persist);
  move_into(batch_.send, out.send);
  move_into(batch_.apply, out.apply);
  move_into(batch_.rejected, out.rejected);
  if (!flush_posted_) {
    flush_posted_ = true;
    loop_.post([this] { flush(); });
  }
}

void PaxosServer::flush() {
  flush_posted_ = false;
  Outputs batch = std::move(batch_);
  batch_ = Outputs{};
  // 1. Durable before anything that depends on it leaves the node.
  // 0. Messages that announce nothing about this node's durable state may go out before the
  //    fsync, so the followers' disk writes overlap the leader's (Raft paper §10.2.1): an
  //    accept / heartbeat / learn says what the leader proposes or knows chosen, never what it
  //    promised or accepted. The leader's own acceptance only counts once an Accepted arrives,
  //    which this single-threaded loop handles after this flush (and its fsync) returned.
  auto early = [](const Envelope& e) {
    return std::holds_alternative<Accept>(e.message) ||
           std::holds_alternative<Heartbeat>(e.message) || std::holds_alternative<Learn>(e.message);
  };
  for (const Envelope& e : batch.send) {
    if (early(e)) peers_->send(names_.name(e.to), encode_message(e, names_).dump());
  }
  // Chosen records may stay buffered (see Outputs in paxos_core.h): a lost one is re-learned,
  // because the value itself is durable at a majority of acceptors. Promises and acceptances
  // must be on disk before the replies that announce them.
  bool must_sync = false;
  for (const PersistRecord& r : batch.persist) {
    disk_.append(encode_record(r, names_));
    must_sync = must_sync || !std::holds_alternative<ChosenRecord>(r);
  }
  if (must_sync) disk_.sync();  // throws on I/O failure: exit rather than ack non-durable state
  // 2. Peer messages.
  for (const Envelope& e : batch.send) {
    if (!early(e)) peers_->send(names_.name(e.to), encode_message(e, names_).dump());
  }
  // 3. Apply chosen slots in order; answer the clients waiting here.
  for (const ChosenEntry& c : batch.apply) {
    ++applied_slots_;
    if (c.value.is_noop()) continue;
    sut::KvResult result = kv_.apply(json::parse(c.value.payload));
    auto it = pending_.find(c.value.id);
    if (it == pending_.end()) continue;
    if (result.ok) {
      reply(it->second.conn, sut::make_ok_reply(it->second.client_id, std::move(result.value)));
    } else {
      reply(it->second.conn,
            sut::make_error_reply(it->second.client_id, result.error, result.message));
    }
    pending_.erase(it);
  }
  // 4. Proposals the core refused: definite failures.
  for (const Rejection& r : batch.rejected) {
    auto it = pending_.find(r.value_id);
    if (it == pending_.end()) continue;
    json msg;
    if (r.reason == RejectReason::Busy) {
      msg = sut::make_error_reply(it->second.client_id, sut::ErrorCode::Unavailable,
                                  "leader has too many open slots; retry later");
    } else if (r.leader_hint) {
      msg = sut::make_error_reply(it->second.client_id, sut::ErrorCode::NotLeader);
      const std::string& leader = names_.name(*r.leader_hint);
      sut::add_leader_hint(msg, leader, options_.members.at(leader).to_string());
    } else {
      msg = sut::make_error_reply(it->second.client_id, sut::ErrorCode::NotLeader,
                                  "no leader known yet; retry another node or later");
    }
    reply(it->second.conn, msg);
    pending_.erase(it);
  }
}

void PaxosServer::reply(sut::ConnId conn, const json& msg) {
  server_->send(conn, msg.dump(-1, ' ', false, json::error_handler_t::replace));
}

void PaxosServer::log_transition(PaxosCore::Role before, Ballot ballot_before) {
  const PaxosCore::Role role = core_->role();
  const Ballot ballot = core_->ballot();
  if (role == before && ballot == ballot_before) return;
  log_.set_epoch(ballot_to_json(ballot, names_));
  if (role == before) return;  // a promise to a higher ballot is not worth a line each
  const char* what = role == PaxosCore::Role::Leader      ? "became leader"
                     : role == PaxosCore::Role::Candidate ? "started phase 1"
                                                          : "stepped down";
  json fields{{"role", to_string(role)}, {"chosen_prefix", core_->first_unchosen()}};
  if (auto hint = core_->leader_hint(); hint && role == PaxosCore::Role::Follower) {
    fields["leader_hint"] = names_.name(*hint);
  }
  log_.info(what, std::move(fields));
}

}  // namespace faultline::paxos
