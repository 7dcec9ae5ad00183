// Drives TwoPcCore over the shared SUT layer; the contract is in twopc_server.h.
#include "twopc_server.h"

#include <random>

#include "faultline/sut/error.h"
#include "faultline/sut/protocol.h"

namespace faultline::twopc {

using nlohmann::json;

namespace {
Config core_config(const ServerOptions& o) {
  Config c;
  c.id = o.id;
  for (const auto& [id, ep] : o.members) c.members.push_back(id);
  c.bugs = o.bugs;
  std::random_device rd;
  c.nonce = std::to_string((uint64_t(rd()) << 32) ^ rd());
  c.vote_timeout_ticks = sut::ms_to_ticks(o.vote_timeout_ms, o.tick_ms);
  c.query_after_ticks = sut::ms_to_ticks(o.query_after_ms, o.tick_ms);
  c.retry_ticks = sut::ms_to_ticks(o.retry_ms, o.tick_ms);
  c.presume_commit_ticks = sut::ms_to_ticks(o.presume_commit_ms, o.tick_ms);
  c.lock_wait_ticks = o.lock_wait_ms == 0 ? 0 : sut::ms_to_ticks(o.lock_wait_ms, o.tick_ms);
  return c;
}
}  // namespace

TwoPcServer::TwoPcServer(sut::EventLoop& loop, ServerOptions options)
    : loop_(loop),
      options_(std::move(options)),
      log_(options_.id, "incarnation"),
      lock_(options_.data_dir),
      disk_(sut::DurableLog::open(options_.data_dir + "/2pc.log", &recovery_)) {
  Config cfg = core_config(options_);
  log_.set_epoch(cfg.nonce);
  core_ = std::make_unique<TwoPcCore>(cfg, recovery_.records);
  log_.info("recovered", {{"records", recovery_.records.size()},
                          {"truncated_bytes", recovery_.truncated_bytes},
                          {"status", core_->status()},
                          {"bugs", json{{"no-decision-log", cfg.bugs.no_decision_log},
                                        {"early-release", cfg.bugs.early_release},
                                        {"presume-commit", cfg.bugs.presume_commit}}}});
  recovery_ = {};
  sut::PeerMap others = options_.members;
  others.erase(options_.id);
  peers_ = std::make_unique<sut::PeerLinks>(loop_, others);
  server_ = std::make_unique<sut::LineServer>(
      loop_, options_.listen, [this](sut::ConnId c, std::string&& l) { on_line(c, std::move(l)); },
      [this](sut::ConnId c) { on_close(c); });
  absorb(core_->start());
  loop_.every(std::chrono::milliseconds(options_.tick_ms), [this] {
    if (!stopping_) absorb(core_->on_tick());
  });
  log_.info("ready", {{"listen", options_.listen.host + ":" + std::to_string(server_->port())},
                      {"members", options_.members.size()}});
}

void TwoPcServer::shutdown() {
  stopping_ = true;
  flush();
  if (disk_.dirty()) disk_.sync();
  for (auto& [h, p] : pending_)
    reply(p.conn, sut::make_error_reply(p.client_id, sut::ErrorCode::ShuttingDown,
                                        "node stopping; the transaction may still commit"));
  pending_.clear();
  log_.info("shutdown", {{"status", core_->status()}, {"bad_lines", bad_lines_},
                         {"dropped_peer_lines", peers_->dropped_lines()}});
}

void TwoPcServer::on_line(sut::ConnId conn, std::string&& line) {
  if (stopping_) return;
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    reply(conn, sut::make_error_reply(nullptr, sut::ErrorCode::BadRequest,
                                      "line is not a JSON object"));
    return;
  }
  if (!sut::is_peer_message(j)) {
    on_client(conn, std::move(j));
    return;
  }
  const uint64_t bad_before = core_->bad_messages();
  absorb(core_->on_message(j));
  if (core_->bad_messages() > bad_before && ++bad_lines_ <= 10)
    log_.warn("dropped malformed peer line", {{"line", line.substr(0, 200)}});
}

void TwoPcServer::on_client(sut::ConnId conn, json request) {
  if (auto err = sut::validate_request(request)) {
    json id = request.contains("id") ? request["id"] : json(nullptr);
    reply(conn, sut::make_error_reply(id, sut::ErrorCode::BadRequest, *err));
    return;
  }
  if (request["op"] == "status") {
    json s = core_->status();
    s["pending_requests"] = pending_.size();
    reply(conn, sut::make_ok_reply(request["id"], std::move(s)));
    return;
  }
  if (pending_.size() >= options_.max_pending_requests) {
    reply(conn, sut::make_error_reply(request["id"], sut::ErrorCode::Unavailable,
                                      "too many requests in flight; retry later"));
    return;
  }
  const uint64_t handle = next_handle_++;
  pending_[handle] = Pending{conn, request["id"]};
  absorb(core_->on_client(handle, request));
}

void TwoPcServer::on_close(sut::ConnId conn) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.conn != conn) {
      ++it;
      continue;
    }
    core_->forget_client(it->first);
    it = pending_.erase(it);
  }
}

void TwoPcServer::absorb(Outputs&& out) {
  if (out.empty()) return;
  batch_.merge(std::move(out));
  if (!flush_posted_) {
    flush_posted_ = true;
    loop_.post([this] { flush(); });
  }
}

void TwoPcServer::flush() {
  flush_posted_ = false;
  Outputs batch = std::move(batch_);
  batch_ = Outputs{};
  // Records keep their order in one log; a batch with a durable record is fsynced as a whole.
  for (const auto& r : batch.persist) disk_.append(r);
  for (const auto& r : batch.lazy) disk_.append(r);
  if (!batch.persist.empty()) disk_.sync();  // throws on I/O failure: exit, never ack
  for (auto& e : batch.send) {
    if (e.to == options_.id) {
      if (!stopping_) loop_.post([this, m = std::move(e.msg)] { absorb(core_->on_message(m)); });
    } else {
      peers_->send(e.to, e.msg.dump(-1, ' ', false, json::error_handler_t::replace));
    }
  }
  for (auto& r : batch.replies) {
    auto it = pending_.find(r.request);
    if (it == pending_.end()) continue;
    reply(it->second.conn, r.ok ? sut::make_ok_reply(it->second.client_id, std::move(r.value))
                                : sut::make_error_reply(it->second.client_id, r.error, r.message));
    pending_.erase(it);
  }
}

void TwoPcServer::reply(sut::ConnId conn, const json& msg) {
  server_->send(conn, msg.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace faultline::twopc
