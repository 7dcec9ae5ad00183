// RemoteError: what() names the node and the (abbreviated) command so a log line says where.
#include "faultline/control/remote.h"

namespace faultline::control {
namespace {

std::string abbreviate(const std::string& command) {
  constexpr size_t kMaxShown = 160;
  std::string shown = command.size() <= kMaxShown ? command : command.substr(0, kMaxShown) + "...";
  for (auto& c : shown) {
    if (c == '\n') c = ' ';
  }
  return shown;
}

std::string describe(const std::string& node, const std::string& command, const std::string& what) {
  std::string msg = "node " + node;
  if (!command.empty()) msg += ", command `" + abbreviate(command) + "`";
  return msg + ": " + what;
}

}  // namespace

RemoteError::RemoteError(std::string node, std::string command, const std::string& what)
    : std::runtime_error(describe(node, command, what)),
      node_(std::move(node)),
      command_(std::move(command)) {}

}  // namespace faultline::control
