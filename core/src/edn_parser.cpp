#include "edn_parser.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace faultline::detail {

namespace {
constexpr int kEof = ByteSource::kEof;

constexpr bool is_ws(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == '\f' || c == '\v';
}
constexpr bool is_delim(int c) {
  return is_ws(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' ||
         c == '"' || c == ';' || c == kEof;
}
constexpr bool is_digit(int c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// Bytes allowed inside a symbol or keyword name (UTF-8 bytes >= 0x80 too: Unicode names).
constexpr bool is_symbol_byte(int c) {
  switch (c) {
    case '.': case '*': case '+': case '!': case '-': case '_': case '?': case '$': case '%':
    case '&': case '=': case '<': case '>': case '/': case ':': case '#': case '\'':
      return true;
    default:
      return is_alpha(c) || is_digit(c) || c >= 0x80;
  }
}
// First byte of a symbol (or of a tag after '#').
constexpr bool is_symbol_start(int c) {
  return is_symbol_byte(c) && !is_digit(c) && c != ':' && c != '#' && c != '\'';
}

std::string quote_byte(int c) {
  if (c == kEof) return "end of input";
  if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  static const char* kHex = "0123456789abcdef";
  return std::string("byte 0x") + kHex[(c >> 4) & 0xf] + kHex[c & 0xf];
}

const char* collection_name(EdnKind k) {
  switch (k) {
    case EdnKind::List: return "list";
    case EdnKind::Vector: return "vector";
    case EdnKind::Map: return "map";
    case EdnKind::Set: return "set";
    default: return "form";
  }
}

std::string at(int64_t line, int64_t col) {
  return std::to_string(line) + ":" + std::to_string(col);
}

void reset(EdnValue& v, EdnKind kind, int64_t line, int64_t col) {
  v.kind = kind;
  v.boolean = false;
  v.integer = 0;
  v.number = 0;
  v.character = 0;
  v.text.clear();
  v.items.clear();
  v.line = line;
  v.col = col;
}

int hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes s if it is exactly one UTF-8 encoded code point.
bool decode_single_utf8(std::string_view s, char32_t& cp) {
  if (s.empty()) return false;
  const auto b0 = static_cast<unsigned char>(s[0]);
  size_t len = 0;
  if (b0 < 0x80) {
    cp = b0;
    len = 1;
  } else if ((b0 & 0xe0) == 0xc0) {
    cp = b0 & 0x1f;
    len = 2;
  } else if ((b0 & 0xf0) == 0xe0) {
    cp = b0 & 0x0f;
    len = 3;
  } else if ((b0 & 0xf8) == 0xf0) {
    cp = b0 & 0x07;
    len = 4;
  } else {
    return false;
  }
  if (s.size() != len) return false;
  for (size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xc0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3f);
  }
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// A symbol name: "/" alone, or [ns/]name with both parts non-empty and one '/' at most.
bool valid_symbol_name(std::string_view t) {
  if (t == "/") return true;
  for (char c : t) {
    if (!is_symbol_byte(static_cast<unsigned char>(c))) return false;
  }
  const size_t slash = t.find('/');
  if (slash == std::string_view::npos) return true;
  return slash > 0 && slash + 1 < t.size() && t.find('/', slash + 1) == std::string_view::npos;
}
}  // namespace

void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

void EdnParser::fail(int64_t line, int64_t col, const std::string& what) const {
  throw ParseError(SourcePos{in_.name(), line, col}, what);
}

int EdnParser::skip_whitespace() {
  for (;;) {
    int c = in_.peek();
    if (is_ws(c)) {
      in_.get();
    } else if (c == ';') {
      while ((c = in_.get()) != kEof && c != '\n') {
      }
    } else {
      return c;
    }
  }
}

EdnParser::Next EdnParser::read_form(EdnValue& out, char close, int depth) {
  if (depth > kMaxEdnDepth) {
    fail(in_.line(), in_.col(),
         "EDN nested deeper than " + std::to_string(kMaxEdnDepth) + " collections");
  }
  for (;;) {
    const int c = skip_whitespace();
    const int64_t line = in_.line();
    const int64_t col = in_.col();
    switch (c) {
      case kEof:
        return Next::End;
      case ')':
      case ']':
      case '}':
        if (c == close) {
          in_.get();
          return Next::Closed;
        }
        if (close == 0) fail(line, col, "unmatched delimiter " + quote_byte(c));
        fail(line, col,
             "unmatched delimiter " + quote_byte(c) + ": expected " + quote_byte(close) +
                 " to close the " + collection_name(open_kind_) + " opened at " +
                 at(open_line_, open_col_));
      case '(':
      case '[':
      case '{': {
        in_.get();
        const EdnKind kind = c == '(' ? EdnKind::List : c == '[' ? EdnKind::Vector : EdnKind::Map;
        reset(out, kind, line, col);
        read_collection(out, kind, c == '(' ? ')' : c == '[' ? ']' : '}', depth + 1);
        return Next::Form;
      }
      case '"':
        in_.get();
        reset(out, EdnKind::String, line, col);
        read_string(out);
        return Next::Form;
      case '\\':
        in_.get();
        reset(out, EdnKind::Char, line, col);
        read_char(out);
        return Next::Form;
      case ':':
        reset(out, EdnKind::Keyword, line, col);
        read_keyword(out);
        return Next::Form;
      case '#': {
        in_.get();
        const int d = in_.peek();
        if (d == '_') {
          in_.get();
          EdnValue discarded;
          if (read_form(discarded, close, depth + 1) != Next::Form) {
            fail(line, col, "#_ must be followed by a form to discard");
          }
          continue;
        }
        if (d == '!') {  // "#!" comment line (shebang)
          int e;
          while ((e = in_.get()) != kEof && e != '\n') {
          }
          continue;
        }
        reset(out, EdnKind::Tagged, line, col);
        read_dispatch(out, close, depth);
        return Next::Form;
      }
      default:
        reset(out, EdnKind::Nil, line, col);
        read_atom(out);
        return Next::Form;
    }
  }
}

void EdnParser::read_collection(EdnValue& out, EdnKind kind, char close, int depth) {
  const int64_t saved_line = open_line_, saved_col = open_col_;
  const EdnKind saved_kind = open_kind_;
  for (;;) {
    // Restored on every iteration: nested collections overwrite the context.
    open_line_ = out.line;
    open_col_ = out.col;
    open_kind_ = kind;
    out.items.emplace_back();
    const Next n = read_form(out.items.back(), close, depth);
    if (n == Next::Form) continue;
    out.items.pop_back();
    if (n == Next::Closed) break;
    const SourcePos end = in_.pos();
    fail(out.line, out.col,
         std::string("unterminated ") + collection_name(kind) + ": " +
             quote_byte(kind == EdnKind::List ? '(' : kind == EdnKind::Vector ? '[' : '{') +
             " is never closed (input ends at " + at(end.line, end.col) + ")");
  }
  open_line_ = saved_line;
  open_col_ = saved_col;
  open_kind_ = saved_kind;
  if (kind == EdnKind::Map && out.items.size() % 2 != 0) {
    fail(out.line, out.col,
         "map literal has an odd number of forms (" + std::to_string(out.items.size()) +
             "): a key lacks its value");
  }
}

uint32_t EdnParser::read_hex4(int64_t esc_line, int64_t esc_col, const char* what) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int h = hex_value(in_.peek());
    if (h < 0) fail(esc_line, esc_col, std::string("bad ") + what + ": expected 4 hex digits");
    in_.get();
    v = (v << 4) | static_cast<uint32_t>(h);
  }
  return v;
}

void EdnParser::read_string(EdnValue& out) {
  for (;;) {
    const int c = in_.get();
    if (c == '"') {
      if (find_invalid_utf8(out.text) != std::string_view::npos)
        fail(out.line, out.col, "string is not valid UTF-8");
      return;
    }
    if (c == kEof) {
      const SourcePos end = in_.pos();
      fail(out.line, out.col,
           "unterminated string: '\"' is never closed (input ends at " + at(end.line, end.col) +
               ")");
    }
    if (c != '\\') {
      out.text.push_back(static_cast<char>(c));
      continue;
    }
    const int64_t esc_line = in_.line();
    const int64_t esc_col = in_.col() - 1;  // the backslash
    const int e = in_.get();
    switch (e) {
      case 't': out.text.push_back('\t'); break;
      case 'n': out.text.push_back('\n'); break;
      case 'r': out.text.push_back('\r'); break;
      case 'b': out.text.push_back('\b'); break;
      case 'f': out.text.push_back('\f'); break;
      case '\\': out.text.push_back('\\'); break;
      case '"': out.text.push_back('"'); break;
      case 'u': {
        char32_t cp = read_hex4(esc_line, esc_col, "\\u escape");
        if (cp >= 0xdc00 && cp <= 0xdfff) {
          fail(esc_line, esc_col, "bad \\u escape: lone UTF-16 low surrogate");
        }
        if (cp >= 0xd800 && cp <= 0xdbff) {
          // A high surrogate must be followed by an escaped low one.
          if (in_.get() != '\\' || in_.get() != 'u') {
            fail(esc_line, esc_col, "bad \\u escape: UTF-16 high surrogate without its low half");
          }
          const char32_t low = read_hex4(esc_line, esc_col, "\\u escape");
          if (low < 0xdc00 || low > 0xdfff) {
            fail(esc_line, esc_col, "bad \\u escape: UTF-16 high surrogate without its low half");
          }
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        }
        append_utf8(cp, out.text);
        break;
      }
      case kEof:
        fail(out.line, out.col, "unterminated string: input ends inside an escape");
      default:
        fail(esc_line, esc_col, "bad escape '\\" + std::string(1, static_cast<char>(e)) +
                                    "' in string (EDN allows \\t \\r \\n \\b \\f \\\\ \\\" \\uXXXX)");
    }
  }
}

void EdnParser::read_char(EdnValue& out) {
  const int c = in_.get();
  if (c == kEof) fail(out.line, out.col, "character literal '\\' at end of input");
  token_.assign(1, static_cast<char>(c));
  while (!is_delim(in_.peek())) token_.push_back(static_cast<char>(in_.get()));
  char32_t cp = 0;
  if (decode_single_utf8(token_, cp)) {
    out.character = cp;
    return;
  }
  static const std::pair<std::string_view, char32_t> kNamed[] = {
      {"newline", '\n'}, {"return", '\r'},   {"space", ' '},
      {"tab", '\t'},     {"formfeed", '\f'}, {"backspace", '\b'},
  };
  for (const auto& [name, value] : kNamed) {
    if (token_ == name) {
      out.character = value;
      return;
    }
  }
  if (token_.size() == 5 && token_[0] == 'u') {
    uint32_t v = 0;
    bool ok = true;
    for (size_t i = 1; i < 5; ++i) {
      const int h = hex_value(token_[i]);
      ok = ok && h >= 0;
      v = (v << 4) | static_cast<uint32_t>(h < 0 ? 0 : h);
    }
    if (ok && !(v >= 0xd800 && v <= 0xdfff)) {
      out.character = v;
      return;
    }
  }
  if (token_.size() >= 2 && token_.size() <= 4 && token_[0] == 'o') {
    uint32_t v = 0;
    bool ok = true;
    for (size_t i = 1; i < token_.size(); ++i) {
      ok = ok && token_[i] >= '0' && token_[i] <= '7';
      v = v * 8 + static_cast<uint32_t>(token_[i] - '0');
    }
    if (ok && v <= 0377) {
      out.character = v;
      return;
    }
  }
  fail(out.line, out.col, "bad character literal '\\" + token_ + "'");
}

void EdnParser::read_token_text(std::string& token) {
  token.clear();
  const int64_t line = in_.line(), col = in_.col();
  in_.take_until(token, [](int c) { return is_delim(c); });  // '\n' is a delimiter
  const size_t bad = find_invalid_utf8(token);
  if (bad != std::string_view::npos)
    fail(line, col + static_cast<int64_t>(bad),
         "invalid UTF-8: " + quote_byte(static_cast<unsigned char>(token[bad])));
}

void EdnParser::read_keyword(EdnValue& out) {
  in_.get();  // ':'
  read_token_text(token_);
  if (token_.empty()) fail(out.line, out.col, "bad keyword ':' (a keyword needs a name)");
  if (token_[0] == ':') {
    fail(out.line, out.col,
         "bad keyword ':" + token_ + "' (auto-resolved keywords are Clojure, not EDN)");
  }
  if (!valid_symbol_name(token_) || token_ == "/") {
    fail(out.line, out.col, "bad keyword ':" + token_ + "'");
  }
  out.text = token_;
}

void EdnParser::read_dispatch(EdnValue& out, char close, int depth) {
  const int d = in_.peek();
  if (d == '{') {
    in_.get();
    out.kind = EdnKind::Set;
    read_collection(out, EdnKind::Set, '}', depth + 1);
    return;
  }
  if (d == '#') {
    in_.get();
    read_token_text(token_);
    out.kind = EdnKind::Float;
    if (token_ == "Inf") {
      out.number = std::numeric_limits<double>::infinity();
    } else if (token_ == "-Inf") {
      out.number = -std::numeric_limits<double>::infinity();
    } else if (token_ == "NaN") {
      out.number = std::numeric_limits<double>::quiet_NaN();
    } else {
      fail(out.line, out.col, "bad symbolic value '##" + token_ + "' (expected ##Inf, ##-Inf, ##NaN)");
    }
    return;
  }
  if (!is_symbol_start(d)) {
    fail(out.line, out.col, "bad dispatch '#' followed by " + quote_byte(d));
  }
  read_token_text(token_);
  if (!valid_symbol_name(token_)) fail(out.line, out.col, "bad tag '#" + token_ + "'");
  std::string tag = token_;
  EdnValue inner;
  if (read_form(inner, close, depth + 1) != Next::Form) {
    fail(out.line, out.col, "tag #" + tag + " is not followed by a form");
  }
  if (inner.kind == EdnKind::Map && tag.find('.') != std::string::npos) {
    // Record literal (#jepsen.history.Op{...}): its fields are the value.
    const int64_t line = out.line, col = out.col;
    out = std::move(inner);
    out.line = line;
    out.col = col;
    return;
  }
  if ((tag == "inst" || tag == "uuid") && inner.kind != EdnKind::String) {
    fail(inner.line, inner.col, "#" + tag + " must be followed by a string");
  }
  out.kind = EdnKind::Tagged;
  out.text = std::move(tag);
  out.items.push_back(std::move(inner));
}

void EdnParser::read_atom(EdnValue& out) {
  read_token_text(token_);
  const std::string& t = token_;
  if (t.empty()) {
    // Cannot happen for delimiters (handled by read_form); guard anyway.
    fail(out.line, out.col, "unexpected " + quote_byte(in_.peek()));
  }
  const auto bad = [&]() { fail(out.line, out.col, "bad token '" + t + "'"); };
  const bool sign = t[0] == '+' || t[0] == '-';
  if (is_digit(t[0]) || (sign && t.size() > 1 && is_digit(t[1]))) {
    const size_t start = sign ? 1 : 0;
    size_t i = start;
    while (i < t.size() && is_digit(t[i])) ++i;
    const std::string_view int_digits(t.data() + start, i - start);
    if (int_digits.size() > 1 && int_digits[0] == '0') {
      fail(out.line, out.col, "bad number '" + t + "' (leading zeros are not EDN)");
    }
    const std::string_view signed_digits(t.data() + (t[0] == '+' ? 1 : 0),
                                         i - (t[0] == '+' ? 1 : 0));
    if (i == t.size() || (t[i] == 'N' && i + 1 == t.size())) {
      const bool big_suffix = i < t.size();
      int64_t v = 0;
      const auto r =
          std::from_chars(signed_digits.data(), signed_digits.data() + signed_digits.size(), v);
      if (!big_suffix && r.ec == std::errc()) {
        out.kind = EdnKind::Int;
        out.integer = v;
      } else {
        out.kind = EdnKind::BigInt;
        out.text.assign(signed_digits);
      }
      return;
    }
    if (t[i] == '/') {
      const std::string_view den(t.data() + i + 1, t.size() - i - 1);
      if (!all_digits(den)) bad();
      if (den.find_first_not_of('0') == std::string_view::npos) {
        fail(out.line, out.col, "bad ratio '" + t + "' (zero denominator)");
      }
      out.kind = EdnKind::Ratio;
      out.text.assign(signed_digits);
      out.text += '/';
      out.text += den;
      double n = 0, dd = 1;
      std::from_chars(signed_digits.data(), signed_digits.data() + signed_digits.size(), n);
      std::from_chars(den.data(), den.data() + den.size(), dd);
      out.number = n / dd;
      return;
    }
    // Float: digits [. digits*] [e|E [+-] digits] [M]
    size_t j = i;
    if (j < t.size() && t[j] == '.') {
      ++j;
      while (j < t.size() && is_digit(t[j])) ++j;
    }
    if (j < t.size() && (t[j] == 'e' || t[j] == 'E')) {
      ++j;
      if (j < t.size() && (t[j] == '+' || t[j] == '-')) ++j;
      const size_t exp_start = j;
      while (j < t.size() && is_digit(t[j])) ++j;
      if (j == exp_start) bad();
    }
    if (j == i) bad();  // neither fraction nor exponent: e.g. "12abc"
    const bool decimal = j < t.size() && t[j] == 'M' && j + 1 == t.size();
    if (j != t.size() && !decimal) bad();
    const size_t from = t[0] == '+' ? 1 : 0;
    std::from_chars(t.data() + from, t.data() + j, out.number);
    out.kind = decimal ? EdnKind::BigDecimal : EdnKind::Float;
    if (decimal) out.text.assign(t.data() + from, j - from);
    return;
  }
  if (t == "nil") {
    out.kind = EdnKind::Nil;
    return;
  }
  if (t == "true" || t == "false") {
    out.kind = EdnKind::Bool;
    out.boolean = t == "true";
    return;
  }
  if (!is_symbol_start(static_cast<unsigned char>(t[0])) || !valid_symbol_name(t)) bad();
  if ((t[0] == '.' || sign) && t.size() > 1 && is_digit(t[1])) bad();  // ".5" is not EDN
  out.kind = EdnKind::Symbol;
  out.text = t;
}

}  // namespace faultline::detail
