#include "jsonl_op_sax.h"

#include <stdexcept>

namespace faultline::detail {

void JsonlOpSax::reset() {
  op_ = Op{};
  have_type_ = false;
  depth_ = 0;
  stack_.clear();
  keys_.clear();
}

Op JsonlOpSax::take_op() {
  if (!have_type_) throw std::invalid_argument("op has no \"type\"");
  if (op_.extra.is_object() && op_.extra.empty()) op_.extra = nullptr;
  return std::move(op_);
}

Json& JsonlOpSax::destination() {
  switch (field_) {
    case Field::Value: return op_.value;
    case Field::Key: return op_.key;
    case Field::Error: return op_.error;
    default:
      if (!op_.extra.is_object()) op_.extra = Json::object();
      return op_.extra[extra_key_];
  }
}

void JsonlOpSax::set_typed_field(const Json& v) {
  switch (field_) {
    case Field::Index:
      if (!v.is_number_integer()) throw std::invalid_argument("\"index\" must be an integer");
      op_.index = v.get<int64_t>();
      return;
    case Field::Time:
      if (!v.is_number()) throw std::invalid_argument("\"time\" must be a number (ns)");
      op_.time_ns =
          v.is_number_integer() ? v.get<int64_t>() : static_cast<int64_t>(v.get<double>());
      return;
    case Field::Process:
      if (v.is_string() && (v == "nemesis" || v == ":nemesis")) {
        op_.process = kNemesisProcess;
      } else if (v.is_number_integer() && v.get<int64_t>() >= 0) {
        op_.process = v.get<int64_t>();
      } else if (v.is_null()) {
        op_.process = kNoProcess;
      } else {
        throw std::invalid_argument("\"process\" must be a non-negative integer or \"nemesis\"");
      }
      return;
    case Field::Type: {
      if (!v.is_string()) throw std::invalid_argument("\"type\" must be a string");
      const auto t = op_type_from_string(v.get_ref<const std::string&>());
      if (!t) throw std::invalid_argument("\"type\" must be invoke, ok, fail or info");
      op_.type = *t;
      have_type_ = true;
      return;
    }
    case Field::F:
      if (!v.is_string()) throw std::invalid_argument("\"f\" must be a string");
      op_.f = v.get_ref<const std::string&>();
      return;
    case Field::Node:
      if (!v.is_string()) throw std::invalid_argument("\"node\" must be a string");
      op_.node = v.get_ref<const std::string&>();
      return;
    default:
      return;
  }
}

bool JsonlOpSax::scalar(Json v) {
  if (depth_ == 0) throw std::invalid_argument("an op must be a JSON object");
  if (!stack_.empty()) {
    Json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
    } else {
      top[keys_.back()] = std::move(v);
    }
    return true;
  }
  switch (field_) {
    case Field::Value:
    case Field::Key:
    case Field::Error:
    case Field::Extra: destination() = std::move(v); return true;
    default: set_typed_field(v); return true;
  }
}

void JsonlOpSax::open_container(Json v) {
  if (depth_ == 0) throw std::invalid_argument("an op must be a JSON object");
  Json* slot = nullptr;
  if (!stack_.empty()) {
    Json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      slot = &top.back();
    } else {
      slot = &(top[keys_.back()] = std::move(v));
    }
  } else {
    switch (field_) {
      case Field::Value:
      case Field::Key:
      case Field::Error:
      case Field::Extra: break;
      default:
        set_typed_field(v);  // throws: typed fields are never containers
        break;
    }
    slot = &(destination() = std::move(v));
  }
  stack_.push_back(slot);
  keys_.emplace_back();
}

bool JsonlOpSax::null() { return scalar(Json()); }
bool JsonlOpSax::boolean(bool b) { return scalar(Json(b)); }
bool JsonlOpSax::number_integer(number_integer_t v) { return scalar(Json(v)); }
bool JsonlOpSax::number_unsigned(number_unsigned_t v) { return scalar(Json(v)); }
bool JsonlOpSax::number_float(number_float_t v, const string_t&) { return scalar(Json(v)); }
bool JsonlOpSax::string(string_t& s) { return scalar(Json(std::move(s))); }
bool JsonlOpSax::binary(binary_t&) { return scalar(Json()); }

bool JsonlOpSax::start_object(std::size_t) {
  if (depth_ == 0) {
    depth_ = 1;
    return true;
  }
  open_container(Json::object());
  ++depth_;
  return true;
}

bool JsonlOpSax::key(string_t& k) {
  if (!stack_.empty()) {
    keys_.back() = std::move(k);
    return true;
  }
  // A key of the op object itself: dispatch on it once, here.
  static const std::pair<std::string_view, Field> kFields[] = {
      {"index", Field::Index}, {"time", Field::Time},   {"process", Field::Process},
      {"type", Field::Type},   {"f", Field::F},         {"value", Field::Value},
      {"key", Field::Key},     {"node", Field::Node},   {"error", Field::Error},
  };
  field_ = Field::Extra;
  for (const auto& [name, field] : kFields) {
    if (k == name) {
      field_ = field;
      return true;
    }
  }
  extra_key_ = std::move(k);
  return true;
}

bool JsonlOpSax::end_object() {
  --depth_;
  if (depth_ > 0) {
    stack_.pop_back();
    keys_.pop_back();
  }
  return true;
}

bool JsonlOpSax::start_array(std::size_t) {
  open_container(Json::array());
  ++depth_;
  return true;
}

bool JsonlOpSax::end_array() {
  --depth_;
  stack_.pop_back();
  keys_.pop_back();
  return true;
}

}  // namespace faultline::detail
