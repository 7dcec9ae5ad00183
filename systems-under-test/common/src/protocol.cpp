#include "faultline/sut/protocol.h"

#include <array>
#include <utility>

namespace faultline::sut {
namespace {
constexpr std::array<std::pair<ErrorCode, std::string_view>, 6> kNames{{
    {ErrorCode::NotLeader, "not-leader"},
    {ErrorCode::Unavailable, "unavailable"},
    {ErrorCode::CasMismatch, "cas-mismatch"},
    {ErrorCode::BadRequest, "bad-request"},
    {ErrorCode::Timeout, "timeout"},
    {ErrorCode::ShuttingDown, "shutting-down"},
}};

std::optional<std::string> validate_micro_op(const Json& op, bool inside_txn) {
  if (!op.is_object()) return "operation must be a JSON object";
  auto it = op.find("op");
  if (it == op.end() || !it->is_string()) return "missing string member \"op\"";
  const std::string& name = it->get_ref<const std::string&>();
  if (name == "status") {
    if (inside_txn) return "status is not allowed inside a txn";
    return std::nullopt;
  }
  if (name == "txn") {
    if (inside_txn) return "nested txn is not allowed";
    auto ops = op.find("ops");
    if (ops == op.end() || !ops->is_array() || ops->empty())
      return "txn needs a non-empty array \"ops\"";
    for (const Json& m : *ops)
      if (auto err = validate_micro_op(m, true)) return "txn micro-op: " + *err;
    return std::nullopt;
  }
  if (name != "read" && name != "write" && name != "cas" && name != "append")
    return "unknown op \"" + name + "\" (expected read, write, cas, append, txn, status)";
  auto key = op.find("key");
  if (key == op.end() || !key->is_string()) return name + " needs a string \"key\"";
  if ((name == "write" || name == "append" || name == "cas") && !op.contains("value"))
    return name + " needs \"value\"";
  if (name == "cas" && !op.contains("expected")) return "cas needs \"expected\"";
  return std::nullopt;
}
}  // namespace

std::string_view to_string(ErrorCode e) {
  for (const auto& [code, name] : kNames)
    if (code == e) return name;
  return "unknown";
}

std::optional<ErrorCode> error_code_from_string(std::string_view s) {
  for (const auto& [code, name] : kNames)
    if (name == s) return code;
  return std::nullopt;
}

bool is_definite(ErrorCode e) {
  return e != ErrorCode::Timeout && e != ErrorCode::ShuttingDown;
}

std::optional<std::string> validate_request(const Json& request) {
  if (!request.is_object()) return "request must be a JSON object";
  auto id = request.find("id");
  if (id == request.end() || !(id->is_number_integer() || id->is_string()))
    return "request needs an integer or string \"id\"";
  return validate_micro_op(request, false);
}

Json make_ok_reply(const Json& id, Json value) {
  return Json{{"id", id}, {"ok", true}, {"value", std::move(value)}};
}

Json make_error_reply(const Json& id, ErrorCode code, std::string message) {
  Json reply{{"id", id}, {"ok", false}, {"error", std::string(to_string(code))}};
  if (!message.empty()) reply["message"] = std::move(message);
  return reply;
}

void add_leader_hint(Json& reply, const std::string& leader_id, const std::string& leader_addr) {
  if (!leader_id.empty()) reply["leader"] = leader_id;
  if (!leader_addr.empty()) reply["leader_addr"] = leader_addr;
}

bool is_peer_message(const Json& line) { return line.is_object() && line.contains("rpc"); }

}  // namespace faultline::sut
