// CrdtServer: see crdt_server.h.
#include "crdt_server.h"

#include "faultline/sut/error.h"
#include "faultline/sut/protocol.h"

namespace faultline::crdt {

using Clock = std::chrono::steady_clock;

namespace {
int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

CrdtServer::CrdtServer(sut::EventLoop& loop, ServerOptions options)
    : loop_(loop),
      options_(std::move(options)),
      log_(options_.id, "vv"),
      dir_(options_.data_dir),
      disk_(sut::DurableLog::open(dir_.file("crdt.log"), &recovery_)),
      store_(options_.id, options_.bugs) {
  for (const std::string& r : recovery_.records) {
    try {
      store_.recover(Json::parse(r));
    } catch (const std::exception& e) {
      throw sut::SutError(dir_.file("crdt.log") + ": bad record: " + e.what());
    }
  }
  store_.finish_recovery();
  std::vector<std::string> snap;
  for (const Json& j : store_.snapshot()) snap.push_back(j.dump());
  disk_.rewrite(snap);
  log_.set_epoch(vv_to_json(store_.vv()));
  log_.info("recovered", {{"records", recovery_.records.size()},
                          {"truncated_bytes", recovery_.truncated_bytes},
                          {"keys", store_.entries().size()},
                          {"bugs", Json{{"lww-wall-clock", options_.bugs.lww_wall_clock},
                                        {"no-tombstone-merge", options_.bugs.no_tombstone_merge},
                                        {"drop-on-restart", options_.bugs.drop_on_restart}}}});
  recovery_ = {};
  sut::PeerMap others = options_.members;
  others.erase(options_.id);
  for (const auto& [id, ep] : others) peer_views_[id] = {};
  peers_ = std::make_unique<sut::PeerLinks>(loop_, others);
  server_ = std::make_unique<sut::LineServer>(
      loop_, options_.listen, [this](sut::ConnId c, std::string&& l) { on_line(c, std::move(l)); });
  loop_.every(std::chrono::milliseconds(options_.gossip_ms), [this] { gossip(); });
  log_.info("ready", {{"listen", options_.listen.host + ":" + std::to_string(server_->port())},
                      {"members", options_.members.size()}});
}

void CrdtServer::shutdown() {
  stopping_ = true;
  flush();
  log_.info("shutdown", {{"updates", updates_}, {"merges", merges_},
                         {"bad_peer_lines", bad_peer_lines_},
                         {"dropped_peer_lines", peers_->dropped_lines()}});
}

void CrdtServer::on_line(sut::ConnId conn, std::string&& line) {
  if (stopping_) return;
  Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    reply(conn, sut::make_error_reply(nullptr, sut::ErrorCode::BadRequest, "line is not a JSON object"));
    return;
  }
  if (sut::is_peer_message(j)) on_peer(j);
  else on_client(conn, j);
}

void CrdtServer::on_client(sut::ConnId conn, const Json& req) {
  const Json id = req.value("id", Json(nullptr));
  const std::string op = req.contains("op") && req["op"].is_string() ? req["op"].get<std::string>() : "";
  if (op == "status") return reply(conn, sut::make_ok_reply(id, status()));
  if (op == "read") {
    if (!req.contains("key") || !req["key"].is_string())
      return reply(conn, sut::make_error_reply(id, sut::ErrorCode::BadRequest, "read needs a string key"));
    return reply(conn, sut::make_ok_reply(id, store_.read(req["key"], req.value("vv", false))));
  }
  if (!CrdtStore::is_update(op))
    return reply(conn, sut::make_error_reply(id, sut::ErrorCode::BadRequest,
                                             "unknown op \"" + op + "\" (crdt serves read, "
                                             "write, g-add, pn-add, set-add, set-remove, status)"));
  UpdateResult r = store_.update(req, wall_ms());
  if (!r.ok) return reply(conn, sut::make_error_reply(id, sut::ErrorCode::BadRequest, r.error));
  ++updates_;
  if (!options_.bugs.drop_on_restart) disk_.append(store_.key_record(req["key"]).dump());
  log_.set_epoch(vv_to_json(store_.vv()));
  reply(conn, sut::make_ok_reply(id, r.value));
}

void CrdtServer::on_peer(const Json& msg) {
  try {
    const std::string from = msg.at("from").get<std::string>();
    auto view = peer_views_.find(from);
    if (view == peer_views_.end()) throw std::invalid_argument("unknown peer " + from);
    const VersionVector peer_vv = vv_from_json(msg.at("vv"));
    view->second = {peer_vv, Clock::now()};
    const std::string rpc = msg.at("rpc").get<std::string>();
    if (rpc == "sync") {
      Json keys = store_.delta_for(peer_vv);
      to_peer(from, {{"rpc", "delta"}, {"from", options_.id}, {"to", from},
                     {"vv", vv_to_json(store_.vv())}, {"keys", std::move(keys)}});
    } else if (rpc == "delta") {
      const VersionVector before = store_.vv();
      std::vector<std::string> changed = store_.merge_delta(msg.at("keys"), peer_vv);
      for (const auto& k : changed) disk_.append(store_.key_record(k).dump());
      if (!changed.empty() || store_.vv() != before) {
        disk_.append(store_.vv_record().dump());
        log_.set_epoch(vv_to_json(store_.vv()));
        merges_ += changed.size();
        schedule_flush();
      }
    } else {
      throw std::invalid_argument("unknown rpc " + rpc);
    }
  } catch (const std::exception& e) {
    if (bad_peer_lines_++ < 10) log_.warn("bad peer line", {{"error", e.what()}});
  }
}

void CrdtServer::gossip() {
  if (stopping_) return;
  for (const auto& [id, view] : peer_views_)
    to_peer(id, {{"rpc", "sync"}, {"from", options_.id}, {"to", id}, {"vv", vv_to_json(store_.vv())}});
}

Json CrdtServer::status() const {
  const auto now = Clock::now();
  const auto fresh = std::chrono::milliseconds(5 * options_.gossip_ms);
  bool converged = true;
  Json peers = Json::object();
  for (const auto& [id, v] : peer_views_) {
    const bool heard = v.heard != Clock::time_point{};
    const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - v.heard);
    if (!heard || age > fresh || v.vv != store_.vv()) converged = false;
    peers[id] = {{"vv", vv_to_json(v.vv)}, {"age_ms", heard ? Json(age.count()) : Json(nullptr)}};
  }
  return {{"node", options_.id}, {"leader", ""}, {"vv", vv_to_json(store_.vv())},
          {"keys", store_.entries().size()}, {"peers", peers}, {"converged", converged}};
}

void CrdtServer::reply(sut::ConnId conn, Json msg) {
  replies_.emplace_back(conn, msg.dump());
  schedule_flush();
}

void CrdtServer::to_peer(const std::string& peer, Json msg) {
  peer_out_.emplace_back(peer, msg.dump());
  schedule_flush();
}

void CrdtServer::schedule_flush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  loop_.post([this] { flush(); });
}

void CrdtServer::flush() {
  flush_posted_ = false;
  if (disk_.dirty()) disk_.sync();
  auto replies = std::move(replies_);
  auto out = std::move(peer_out_);
  replies_.clear();
  peer_out_.clear();
  for (auto& [conn, line] : replies) server_->send(conn, std::move(line));
  for (auto& [peer, line] : out) peers_->send(peer, std::move(line));
}

}  // namespace faultline::crdt
