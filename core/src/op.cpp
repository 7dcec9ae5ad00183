#include "faultline/core/op.h"

#include <stdexcept>
#include <type_traits>
#include <utility>

namespace faultline {

std::string_view to_string(OpType t) {
  switch (t) {
    case OpType::Invoke: return "invoke";
    case OpType::Ok: return "ok";
    case OpType::Fail: return "fail";
    case OpType::Info: return "info";
  }
  return "?";
}

std::optional<OpType> op_type_from_string(std::string_view s) {
  if (!s.empty() && s.front() == ':') s.remove_prefix(1);
  if (s == "invoke") return OpType::Invoke;
  if (s == "ok") return OpType::Ok;
  if (s == "fail") return OpType::Fail;
  if (s == "info") return OpType::Info;
  return std::nullopt;
}

Json op_to_json(const Op& op) {
  Json j = Json::object();
  if (op.extra.is_object()) j = op.extra;
  if (op.index >= 0) j["index"] = op.index;
  if (op.time_ns >= 0) j["time"] = op.time_ns;
  if (op.process == kNemesisProcess) {
    j["process"] = "nemesis";
  } else if (op.process != kNoProcess) {
    j["process"] = op.process;
  }
  j["type"] = std::string(to_string(op.type));
  j["f"] = op.f;
  j["value"] = op.value;
  if (!op.key.is_null()) j["key"] = op.key;
  if (op.node) j["node"] = *op.node;
  if (!op.error.is_null()) j["error"] = op.error;
  return j;
}

namespace {
// JsonRef is `const Json&` (copying) or `Json&` (moving out): one body for both overloads.
template <class JsonRef>
Op op_from_json_impl(JsonRef&& j) {
  constexpr bool kMove = !std::is_const_v<std::remove_reference_t<JsonRef>>;
  auto take = [](auto& v) -> Json {
    if constexpr (kMove) {
      return std::move(v);
    } else {
      return v;
    }
  };
  if (!j.is_object()) throw std::invalid_argument("an op must be a JSON object");
  Op op;
  Json extra = Json::object();
  bool have_type = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    auto& v = it.value();
    const Json& cv = v;  // non-dependent view for the type queries
    if (k == "index") {
      if (!cv.is_number_integer()) throw std::invalid_argument("\"index\" must be an integer");
      op.index = cv.get<int64_t>();
    } else if (k == "time") {
      if (!cv.is_number()) throw std::invalid_argument("\"time\" must be a number (ns)");
      op.time_ns = cv.is_number_integer() ? cv.get<int64_t>() : static_cast<int64_t>(cv.get<double>());
    } else if (k == "process") {
      if (cv.is_string() && (cv == "nemesis" || cv == ":nemesis")) {
        op.process = kNemesisProcess;
      } else if (cv.is_number_integer() && cv.get<int64_t>() >= 0) {
        op.process = cv.get<int64_t>();
      } else if (!cv.is_null()) {
        throw std::invalid_argument("\"process\" must be a non-negative integer or \"nemesis\"");
      }
    } else if (k == "type") {
      if (!cv.is_string()) throw std::invalid_argument("\"type\" must be a string");
      auto t = op_type_from_string(cv.get<std::string>());
      if (!t) throw std::invalid_argument("\"type\" must be invoke, ok, fail or info");
      op.type = *t;
      have_type = true;
    } else if (k == "f") {
      if (!cv.is_string()) throw std::invalid_argument("\"f\" must be a string");
      op.f = cv.get<std::string>();
    } else if (k == "value") {
      op.value = take(v);
    } else if (k == "key") {
      op.key = take(v);
    } else if (k == "node") {
      if (!cv.is_string()) throw std::invalid_argument("\"node\" must be a string");
      op.node = cv.get<std::string>();
    } else if (k == "error") {
      op.error = take(v);
    } else {
      extra[k] = take(v);
    }
  }
  if (!have_type) throw std::invalid_argument("op has no \"type\"");
  if (!extra.empty()) op.extra = std::move(extra);
  return op;
}
}  // namespace

Op op_from_json(const Json& j) { return op_from_json_impl(j); }
Op op_from_json(Json&& j) { return op_from_json_impl(j); }

}  // namespace faultline
