// Op: one event of a history, with Jepsen's meaning.
//
//   invoke  a process starts an operation;
//   ok      it completed and took effect;
//   fail    it definitely did not take effect;
//   info    indeterminate: it may have taken effect at any time after its invocation, or never.
//           A process that got `info` is never reused; a new process id takes its place.
//
// Values (value, key, error) are JSON. Ops of process `nemesis` are fault records: kept in the
// history so reports can shade fault windows, ignored by the models.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace faultline {

using Json = nlohmann::json;

enum class OpType : uint8_t { Invoke, Ok, Fail, Info };

std::string_view to_string(OpType t);
// Parses "invoke" / "ok" / "fail" / "info" (also with a leading ':'); nullopt otherwise.
std::optional<OpType> op_type_from_string(std::string_view s);

// Process ids: clients are >= 0. The nemesis and "no process given" (Elle histories) are
// negative sentinels; in JSON the nemesis is the string "nemesis" and "none" is an absent field.
inline constexpr int64_t kNemesisProcess = -1;
inline constexpr int64_t kNoProcess = -2;

struct Op {
  int64_t index = -1;    // position in the history (0-based), assigned by History::add if < 0
  int64_t time_ns = -1;  // ns since test start; -1 = not recorded
  int64_t process = kNoProcess;
  OpType type = OpType::Invoke;
  std::string f;         // operation name: "read", "write", "cas", "txn", ...
  Json value;            // null when absent
  Json key;              // null when the op names no key (kv histories carry one)
  std::optional<std::string> node;
  Json error;            // null when absent
  Json extra;            // other fields, kept for round-trips (object or null)

  bool is_nemesis() const { return process == kNemesisProcess; }
  bool is_client() const { return process >= 0 || process == kNoProcess; }
};

// JSON (native format): {"index":..,"time":..,"process":..,"type":"ok","f":..,"value":..,
// "key"?:..,"node"?:..,"error"?:..} plus extra fields.
Json op_to_json(const Op& op);
// Throws std::invalid_argument with a message naming the offending field.
Op op_from_json(const Json& j);
// Same, moving value/key/error/extra out of j instead of copying (readers use this).
Op op_from_json(Json&& j);

}  // namespace faultline
