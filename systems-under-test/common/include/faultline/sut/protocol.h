// Client wire protocol of every reference daemon (see systems-under-test/PROTOCOL.md, the
// normative text). One JSON object per line over TCP, in both directions.
//
//   request  {"id": <int|string>, "op": "read"|"write"|"cas"|"append"|"txn"|"status", ...}
//   reply    {"id": <same>, "ok": true,  "value": <json>}
//            {"id": <same>, "ok": false, "error": "<code>", "leader"?: "n2",
//             "leader_addr"?: "127.0.0.1:7002", "message"?: "..."}
//
// Peer traffic shares the listening port: a line whose object has an "rpc" member is a peer
// message and is routed to the protocol core; one with "op" is a client request.
//
// This header is the stable contract of the shared layer: the error codes and their
// definite/indeterminate meaning are what clients (workloads/) rely on.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace faultline::sut {

using Json = nlohmann::json;

// Error codes on the wire. Definite errors mean the operation certainly had no effect (a client
// records `fail`); indeterminate ones mean it may or may not take effect (`info`).
enum class ErrorCode {
  NotLeader,    // definite: this node is not the leader and did not propose the op; see hint
  Unavailable,  // definite: no leader known / no quorum reachable; op was not proposed
  CasMismatch,  // definite: cas (or a cas inside a txn) saw another value; nothing applied
  BadRequest,   // definite: malformed request; nothing applied
  Timeout,      // indeterminate: proposed, outcome unknown when the deadline passed
  ShuttingDown  // indeterminate: node stopping while the op was in flight
};

std::string_view to_string(ErrorCode e);
std::optional<ErrorCode> error_code_from_string(std::string_view s);
// True when the error proves the operation had no effect.
bool is_definite(ErrorCode e);

// Validates a client request object (op known, key present where needed, txn micro-ops well
// formed). Returns an error message or nullopt if valid.
std::optional<std::string> validate_request(const Json& request);

Json make_ok_reply(const Json& id, Json value);
Json make_error_reply(const Json& id, ErrorCode code, std::string message = {});
// Adds the leader hint to a not-leader reply (both optional: empty = unknown).
void add_leader_hint(Json& reply, const std::string& leader_id, const std::string& leader_addr);

// True if the line's object is peer traffic (has "rpc"), false if it is a client request.
bool is_peer_message(const Json& line);

// Maximum accepted line length in bytes; longer lines close the connection (bounded buffers).
inline constexpr std::size_t kMaxLineBytes = 4u << 20;

}  // namespace faultline::sut
