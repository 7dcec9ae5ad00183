// EDN writer, EDN → JSON conversion and JSON → EDN text.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "edn_parser.h"
#include "faultline/core/edn.h"

namespace faultline {

namespace {
void append_double(double d, std::string& out) {
  if (std::isnan(d)) {
    out += "##NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d > 0 ? "##Inf" : "##-Inf";
    return;
  }
  char buf[64];
  // Shortest text that reads back to the same double.
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  const std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
  out += s;
  if (s.find_first_of(".e") == std::string_view::npos) out += ".0";  // stay a float
}

void append_string_literal(std::string_view s, std::string& out) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void append_char_literal(char32_t c, std::string& out) {
  static const char* kHex = "0123456789abcdef";
  switch (c) {
    case '\n': out += "\\newline"; return;
    case '\r': out += "\\return"; return;
    case ' ': out += "\\space"; return;
    case '\t': out += "\\tab"; return;
    case '\f': out += "\\formfeed"; return;
    case '\b': out += "\\backspace"; return;
    default: break;
  }
  out.push_back('\\');
  if (c > 0x20 && c < 0x7f) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x10000) {
    out.push_back('u');
    for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(c >> shift) & 0xf]);
  } else {
    detail::append_utf8(c, out);
  }
}

void append_items(const std::vector<EdnValue>& items, std::string& out, bool map) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (map && i % 2 == 0) ? ", " : " ";
    append_edn(items[i], out);
  }
}

bool is_symbol_byte(unsigned char c) {
  return std::isalnum(c) || c >= 0x80 || std::string_view(".*+!-_?$%&=<>:#'").find(c) !=
                                            std::string_view::npos;
}
}  // namespace

void append_edn(const EdnValue& v, std::string& out) {
  switch (v.kind) {
    case EdnKind::Nil: out += "nil"; return;
    case EdnKind::Bool: out += v.boolean ? "true" : "false"; return;
    case EdnKind::Int: out += std::to_string(v.integer); return;
    case EdnKind::BigInt: out += v.text; out += 'N'; return;
    case EdnKind::Float: append_double(v.number, out); return;
    case EdnKind::BigDecimal: out += v.text; out += 'M'; return;
    case EdnKind::Ratio: out += v.text; return;
    case EdnKind::Char: append_char_literal(v.character, out); return;
    case EdnKind::String: append_string_literal(v.text, out); return;
    case EdnKind::Keyword: out += ':'; out += v.text; return;
    case EdnKind::Symbol: out += v.text; return;
    case EdnKind::List: out += '('; append_items(v.items, out, false); out += ')'; return;
    case EdnKind::Vector: out += '['; append_items(v.items, out, false); out += ']'; return;
    case EdnKind::Map: out += '{'; append_items(v.items, out, true); out += '}'; return;
    case EdnKind::Set: out += "#{"; append_items(v.items, out, false); out += '}'; return;
    case EdnKind::Tagged:
      out += '#';
      out += v.text;
      out += ' ';
      if (!v.items.empty()) append_edn(v.items.front(), out);
      return;
  }
}

std::string to_edn_string(const EdnValue& v) {
  std::string s;
  append_edn(v, s);
  return s;
}

std::ostream& operator<<(std::ostream& os, const EdnValue& v) { return os << to_edn_string(v); }

Json edn_to_json(const EdnValue& v) {
  switch (v.kind) {
    case EdnKind::Nil: return nullptr;
    case EdnKind::Bool: return v.boolean;
    case EdnKind::Int: return v.integer;
    case EdnKind::BigInt: {
      int64_t i = 0;
      const auto r = std::from_chars(v.text.data(), v.text.data() + v.text.size(), i);
      if (r.ec == std::errc() && r.ptr == v.text.data() + v.text.size()) return i;
      return v.text;
    }
    case EdnKind::Float:
    case EdnKind::BigDecimal:
    case EdnKind::Ratio: return v.number;
    case EdnKind::Char: {
      std::string s;
      detail::append_utf8(v.character, s);
      return s;
    }
    case EdnKind::String:
    case EdnKind::Keyword:
    case EdnKind::Symbol: return v.text;
    case EdnKind::List:
    case EdnKind::Vector:
    case EdnKind::Set: {
      Json a = Json::array();
      a.get_ref<Json::array_t&>().reserve(v.items.size());
      for (const EdnValue& item : v.items) a.push_back(edn_to_json(item));
      if (v.kind == EdnKind::Set) std::sort(a.begin(), a.end());
      return a;
    }
    case EdnKind::Map: {
      Json o = Json::object();
      for (size_t i = 0; i + 1 < v.items.size(); i += 2) {
        const EdnValue& k = v.items[i];
        const bool named =
            k.kind == EdnKind::String || k.kind == EdnKind::Keyword || k.kind == EdnKind::Symbol;
        o[named ? k.text : to_edn_string(k)] = edn_to_json(v.items[i + 1]);
      }
      return o;
    }
    case EdnKind::Tagged: return v.items.empty() ? Json() : edn_to_json(v.items.front());
  }
  return nullptr;
}

bool is_plain_keyword_name(std::string_view s) {
  if (s.empty()) return false;
  const auto c0 = static_cast<unsigned char>(s[0]);
  if (std::isdigit(c0) || c0 == ':' || c0 == '#' || c0 == '\'' || !is_symbol_byte(c0)) {
    return false;
  }
  if ((c0 == '+' || c0 == '-' || c0 == '.') && s.size() > 1 &&
      std::isdigit(static_cast<unsigned char>(s[1]))) {
    return false;
  }
  for (char c : s) {
    if (!is_symbol_byte(static_cast<unsigned char>(c))) return false;  // '/' excluded too
  }
  return true;
}

void append_json_as_edn(const Json& j, std::string& out) {
  switch (j.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded: out += "nil"; return;
    case Json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; return;
    case Json::value_t::number_integer: out += std::to_string(j.get<int64_t>()); return;
    case Json::value_t::number_unsigned: {
      const uint64_t u = j.get<uint64_t>();
      out += std::to_string(u);
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) out += 'N';
      return;
    }
    case Json::value_t::number_float: append_double(j.get<double>(), out); return;
    case Json::value_t::string: append_string_literal(j.get_ref<const std::string&>(), out); return;
    case Json::value_t::binary: out += "nil"; return;
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const Json& e : j) {
        if (!first) out += ' ';
        first = false;
        append_json_as_edn(e, out);
      }
      out += ']';
      return;
    }
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        if (is_plain_keyword_name(it.key())) {
          out += ':';
          out += it.key();
        } else {
          append_string_literal(it.key(), out);
        }
        out += ' ';
        append_json_as_edn(it.value(), out);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace faultline
