// JSON Lines reader, fast path: each line is parsed by simdjson's On Demand API straight into
// an Op. The input is read in chunks into one padded buffer (simdjson reads up to
// SIMDJSON_PADDING bytes past a line), so a file is never held whole.
//
// Exactness: the fast path only accepts what it can map exactly as the nlohmann reader does.
// Whatever it does not take — a simdjson error, a shape error (e.g. "type" not a string), a
// number whose JSON type could differ (big integers, "-0"), trailing text — goes to
// parse_jsonl_line (history_jsonl.cpp), which either accepts the line or throws the
// file:line:col ParseError the nlohmann reader always gave.
#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "faultline/core/error.h"
#include "history_readers.h"

namespace faultline::detail {

namespace {

namespace od = simdjson::ondemand;

constexpr size_t kChunkBytes = size_t{4} << 20;

// Any JSON value → Json, as nlohmann would build it; false when the fast path must not decide.
// Nesting deeper than kMaxDepth is left to the exact reader (no deep recursion here).
constexpr int kMaxDepth = 64;
bool to_json(od::value v, Json& out, int depth = 0);

bool number_to_json(od::value v, Json& out) {
  od::number_type t;
  if (v.get_number_type().get(t)) return false;
  if (t == od::number_type::signed_integer) {
    int64_t i;
    if (v.get_int64().get(i)) return false;
    out = i;
    return true;
  }
  if (t == od::number_type::unsigned_integer) {
    uint64_t u;
    if (v.get_uint64().get(u)) return false;
    out = u;
    return true;
  }
  // A float token must show it is one ('.', 'e', 'E'): "-0" is an integer to nlohmann.
  const std::string_view raw = v.raw_json_token();
  if (raw.find_first_of(".eE") == std::string_view::npos) return false;
  double d;
  if (v.get_double().get(d)) return false;
  out = d;
  return true;
}

bool array_to_json(od::value v, Json& out, int depth) {
  od::array arr;
  size_t n = 0;
  if (v.get_array().get(arr) || arr.count_elements().get(n)) return false;
  out = Json::array();
  out.get_ref<Json::array_t&>().reserve(n);  // exact size: histories hold millions of arrays
  for (auto element : arr) {
    od::value ev;
    if (std::move(element).get(ev)) return false;
    Json j;
    if (!to_json(ev, j, depth + 1)) return false;
    out.push_back(std::move(j));
  }
  return true;
}

bool object_to_json(od::value v, Json& out, int depth) {
  od::object obj;
  if (v.get_object().get(obj)) return false;
  out = Json::object();
  for (auto field : obj) {
    od::field f;
    std::string_view key;
    if (std::move(field).get(f) || f.unescaped_key().get(key)) return false;
    std::string k(key);  // the view dies with the next string
    Json j;
    if (!to_json(f.value(), j, depth + 1)) return false;
    out[std::move(k)] = std::move(j);
  }
  return true;
}

bool to_json(od::value v, Json& out, int depth) {
  if (depth > kMaxDepth) return false;
  od::json_type type;
  if (v.type().get(type)) return false;
  switch (type) {
    case od::json_type::array: return array_to_json(v, out, depth);
    case od::json_type::object: return object_to_json(v, out, depth);
    case od::json_type::number: return number_to_json(v, out);
    case od::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s)) return false;
      out = std::string(s);
      return true;
    }
    case od::json_type::boolean: {
      bool b;
      if (v.get_bool().get(b)) return false;
      out = b;
      return true;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (v.is_null().get(is_null) || !is_null) return false;
      out = nullptr;
      return true;
    }
  }
  return false;
}

bool get_string(od::value v, std::string_view& s) { return !v.get_string().get(s); }

bool get_plain_int(od::value v, int64_t& i) {
  od::number_type t;
  if (v.get_number_type().get(t) || t != od::number_type::signed_integer) return false;
  return !v.get_int64().get(i);
}

enum class Field : uint8_t { Index, Time, Process, Type, F, Value, Key, Node, Error, Extra };

Field field_of(std::string_view k) {
  switch (k.size()) {
    case 1: return k == "f" ? Field::F : Field::Extra;
    case 3: return k == "key" ? Field::Key : Field::Extra;
    case 4:
      if (k == "type") return Field::Type;
      if (k == "time") return Field::Time;
      if (k == "node") return Field::Node;
      return Field::Extra;
    case 5:
      if (k == "index") return Field::Index;
      if (k == "value") return Field::Value;
      if (k == "error") return Field::Error;
      return Field::Extra;
    case 7: return k == "process" ? Field::Process : Field::Extra;
    default: return Field::Extra;
  }
}

bool set_process(od::value v, Op& op) {
  od::json_type type;
  if (v.type().get(type)) return false;
  if (type == od::json_type::string) {
    std::string_view s;
    if (!get_string(v, s) || (s != "nemesis" && s != ":nemesis")) return false;
    op.process = kNemesisProcess;
    return true;
  }
  if (type == od::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) return false;
    op.process = kNoProcess;
    return true;
  }
  return get_plain_int(v, op.process) && op.process >= 0;
}

// One field of the op object; false: leave the line to the exact reader.
bool set_field(std::string_view key, od::value v, Op& op, bool& have_type) {
  std::string_view s;
  switch (field_of(key)) {
    case Field::Index: return get_plain_int(v, op.index);
    case Field::Time: return get_plain_int(v, op.time_ns);
    case Field::Process: return set_process(v, op);
    case Field::Type: {
      if (!get_string(v, s)) return false;
      const auto t = op_type_from_string(s);
      if (!t) return false;
      op.type = *t;
      have_type = true;
      return true;
    }
    case Field::F:
      if (!get_string(v, s)) return false;
      op.f.assign(s);
      return true;
    case Field::Node:
      if (!get_string(v, s)) return false;
      op.node.emplace(s);
      return true;
    case Field::Value: return to_json(v, op.value);
    case Field::Key: return to_json(v, op.key);
    case Field::Error: return to_json(v, op.error);
    case Field::Extra: {
      std::string k(key);
      Json j;
      if (!to_json(v, j)) return false;
      if (!op.extra.is_object()) op.extra = Json::object();
      op.extra[std::move(k)] = std::move(j);
      return true;
    }
  }
  return false;
}

class SimdOpParser {
 public:
  // line [p, p+len) with at least `capacity` readable bytes from p (>= len + padding).
  bool parse(const char* p, size_t len, size_t capacity, Op& op) {
    od::document doc;
    if (parser_.iterate(p, len, capacity).get(doc)) return false;
    od::object obj;
    if (doc.get_object().get(obj)) return false;
    bool have_type = false;
    for (auto field : obj) {
      od::field f;
      std::string_view key;
      if (std::move(field).get(f) || f.unescaped_key().get(key)) return false;
      if (!set_field(key, f.value(), op, have_type)) return false;
    }
    if (!have_type) return false;
    // Nothing may follow the object on its line.
    const char* rest = nullptr;
    return doc.current_location().get(rest) == simdjson::OUT_OF_BOUNDS;
  }

 private:
  od::parser parser_;
};

bool is_blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// Bytes in, from a FILE* or a text; both copied chunk by chunk into the padded buffer.
struct ChunkInput {
  std::FILE* file = nullptr;
  std::string_view text;
  const std::string* name = nullptr;

  size_t read(char* dst, size_t n) {
    if (file == nullptr) {
      const size_t got = std::min(n, text.size());
      std::memcpy(dst, text.data(), got);
      text.remove_prefix(got);
      return got;
    }
    const size_t got = std::fread(dst, 1, n, file);
    if (got < n && std::ferror(file)) {
      throw std::runtime_error("cannot read " + *name + ": " + std::strerror(errno));
    }
    return got;
  }
};

class JsonlReader {
 public:
  JsonlReader(ChunkInput in, const std::string& name, OpSinkAdapter& out)
      : in_(in), name_(name), out_(out) {}

  void run() {
    size_t begin = 0;  // first unconsumed byte of buf_
    bool eof = false;
    for (;;) {
      const char* nl = end_ > begin ? static_cast<const char*>(
                                          std::memchr(data() + begin, '\n', end_ - begin))
                                    : nullptr;
      if (nl != nullptr) {
        line(begin, static_cast<size_t>(nl - data()) - begin);
        begin = static_cast<size_t>(nl - data()) + 1;
        continue;
      }
      if (eof) {
        if (end_ > begin) line(begin, end_ - begin);  // last line without '\n'
        return;
      }
      eof = !refill(begin);
      begin = 0;
    }
  }

 private:
  char* data() { return buf_.get(); }

  // Keeps [begin, end_) at the front, grows the buffer when one line outgrows it, reads more.
  bool refill(size_t begin) {
    const size_t tail = end_ - begin;
    if (tail + kChunkBytes > capacity_) {
      const size_t cap = std::max(2 * capacity_, tail + kChunkBytes);
      std::unique_ptr<char[]> bigger(new char[cap + simdjson::SIMDJSON_PADDING]);
      if (tail > 0) std::memcpy(bigger.get(), data() + begin, tail);
      buf_ = std::move(bigger);
      capacity_ = cap;
    } else if (tail > 0 && begin > 0) {
      std::memmove(data(), data() + begin, tail);
    }
    end_ = tail;
    const size_t got = in_.read(data() + end_, capacity_ - end_);
    end_ += got;
    // simdjson may read the padding: make it defined bytes.
    std::memset(data() + end_, ' ', simdjson::SIMDJSON_PADDING);
    return got > 0;
  }

  void line(size_t at, size_t len) {
    ++line_no_;
    const char* p = data() + at;
    if (len > 0 && p[len - 1] == '\r') --len;
    const std::string_view text(p, len);
    if (is_blank(text)) return;
    Op op;
    if (simd_.parse(p, len, capacity_ + simdjson::SIMDJSON_PADDING - at, op)) {
      out_.add(std::move(op));
    } else {
      parse_jsonl_line(text, name_, line_no_, out_);
    }
  }

  ChunkInput in_;
  const std::string& name_;
  OpSinkAdapter& out_;
  SimdOpParser simd_;
  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;  // data bytes; the allocation has SIMDJSON_PADDING more
  size_t end_ = 0;
  int64_t line_no_ = 0;
};

}  // namespace

void read_jsonl_history(std::FILE* file, const std::string& name, OpSinkAdapter& out) {
  JsonlReader(ChunkInput{file, {}, &name}, name, out).run();
}

void read_jsonl_history(std::string_view text, const std::string& name, OpSinkAdapter& out) {
  JsonlReader(ChunkInput{nullptr, text, &name}, name, out).run();
}

}  // namespace faultline::detail
