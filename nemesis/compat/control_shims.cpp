// TEMPORARY: RemoteError and shell quoting, compiled only while faultline_control does not exist
// (the control helper's branch has not landed). nemesis/CMakeLists.txt drops this file as soon as
// the faultline_control target appears; do not add anything else here.
#include <stdexcept>
#include <string>

#include "faultline/control/remote.h"

namespace faultline::control {

RemoteError::RemoteError(std::string node, std::string command, const std::string& what)
    : std::runtime_error(node + ": " + what + " (command: " + command + ")"),
      node_(std::move(node)), command_(std::move(command)) {}

std::string shell_quote(std::string_view s) {
  if (s.find('\0') != std::string_view::npos)
    throw std::invalid_argument("shell_quote: NUL byte in argument");
  if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789_-+=./:,@%") == std::string_view::npos)
    return std::string(s);
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += shell_quote(a);
  }
  return out;
}

}  // namespace faultline::control
