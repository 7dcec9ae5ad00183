// Internal: builds an Op straight from one JSON line with nlohmann's SAX parser, so the
// top-level object never becomes a std::map DOM (the JSONL reader's hot path). Field rules are
// op_from_json's (op.h); nested values (value, key, error, extra fields) are built as Json.
#pragma once
#include <string>
#include <vector>

#include "faultline/core/op.h"

namespace faultline::detail {

class JsonlOpSax {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  // Prepares for the next line.
  void reset();
  // After a successful parse: the op (throws std::invalid_argument if it has no "type").
  Op take_op();
  // After sax_parse returned false: the byte offset and nlohmann's message.
  size_t error_byte() const { return error_byte_; }
  const std::string& error_message() const { return error_message_; }

  // nlohmann SAX interface. Shape errors (e.g. "type" not a string) throw
  // std::invalid_argument, as op_from_json does.
  bool null();
  bool boolean(bool b);
  bool number_integer(number_integer_t v);
  bool number_unsigned(number_unsigned_t v);
  bool number_float(number_float_t v, const string_t&);
  bool string(string_t& s);
  bool binary(binary_t&);
  bool start_object(std::size_t);
  bool key(string_t& k);
  bool end_object();
  bool start_array(std::size_t);
  bool end_array();
  template <class Exception>
  bool parse_error(std::size_t position, const std::string&, const Exception& ex) {
    error_byte_ = position;
    error_message_ = ex.what();
    return false;
  }

 private:
  enum class Field : uint8_t { Index, Time, Process, Type, F, Value, Key, Node, Error, Extra };

  bool scalar(Json v);
  void set_typed_field(const Json& v);
  Json& destination();  // the Json a value/key/error/extra field is built into
  void open_container(Json v);

  Op op_;
  bool have_type_ = false;
  int depth_ = 0;  // 1 = inside the op object
  Field field_ = Field::Extra;
  std::string extra_key_;
  std::vector<Json*> stack_;         // open nested containers of the current field's value
  std::vector<std::string> keys_;    // pending key per open nested object
  size_t error_byte_ = 0;
  std::string error_message_;
};

}  // namespace faultline::detail
