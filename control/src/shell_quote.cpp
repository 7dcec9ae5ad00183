// shell_quote / shell_join: the one place that turns argv into a /bin/sh command string.
#include <stdexcept>

#include "faultline/control/remote.h"

namespace faultline::control {
namespace {

// Bytes that are never special to a POSIX shell anywhere in a word. '=' is left out (a leading
// NAME=value word would become an assignment), as are '~' and '#' (special at a word's start).
bool is_plain(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '/' || c == ',' || c == ':' || c == '@' || c == '%' ||
         c == '+';
}

}  // namespace

std::string shell_quote(std::string_view s) {
  if (s.find('\0') != std::string_view::npos) {
    throw std::invalid_argument("shell_quote: argument contains a NUL byte, which no shell word can hold");
  }
  if (s.empty()) return "''";
  bool plain = true;
  for (unsigned char c : s) plain = plain && is_plain(c);
  if (plain) return std::string(s);
  // Inside single quotes every byte is literal except ' itself, which becomes '\'' (close the
  // quote, an escaped quote, reopen).
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('\'');
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out.push_back(' ');
    out += shell_quote(a);
  }
  return out;
}

}  // namespace faultline::control
