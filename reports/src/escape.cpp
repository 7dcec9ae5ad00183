// Escaping helpers (see escape.h).
#include "faultline/reports/escape.h"

namespace faultline::reports {

void append_html_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  append_html_escaped(out, s);
  return out;
}

std::string script_json(const nlohmann::json& j) {
  // ensure_ascii writes every non-ASCII code point as \uXXXX (so U+2028/2029 too); '<', '>' and
  // '&' can only occur inside JSON strings, where \u escapes mean the same characters.
  const std::string d = j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(d.size() + d.size() / 16);
  for (char c : d) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += c;
    }
  }
  return out;
}

std::string display_value(const nlohmann::json& v, size_t max) {
  std::string s = v.is_string() ? v.get<std::string>()
                                : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > max) {
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
    s.resize(cut);
    s += "\xE2\x80\xA6";
  }
  return s;
}

}  // namespace faultline::reports
