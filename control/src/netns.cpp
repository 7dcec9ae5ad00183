// Sockets inside a named network namespace, created from a helper thread (see netns.h).
#include "faultline/control/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace faultline::control {

std::string netns_path(const std::string& name) { return "/run/netns/" + name; }

bool netns_exists(const std::string& name) {
  std::error_code ec;
  return !name.empty() && name.find('/') == std::string::npos &&
         std::filesystem::exists(netns_path(name), ec);
}

int open_socket_in_netns(const std::string& netns, int domain, int type) {
  if (netns.empty() || netns.find('/') != std::string::npos) {
    throw NetnsError("bad network namespace name '" + netns + "'");
  }
  int fd = -1;
  std::string failure;
  // Runs on its own thread so the caller's thread never changes namespace.
  std::thread helper([&] {
    const std::string path = netns_path(netns);
    int ns_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns_fd < 0) {
      failure = "cannot open " + path + ": " + std::strerror(errno) +
                (errno == ENOENT ? " (is the cluster up?)" : "");
      return;
    }
    if (::setns(ns_fd, CLONE_NEWNET) != 0) {
      failure = "setns(" + path + "): " + std::strerror(errno) +
                (errno == EPERM ? " (needs root)" : "");
      ::close(ns_fd);
      return;
    }
    ::close(ns_fd);
    fd = ::socket(domain, type | SOCK_CLOEXEC, 0);
    if (fd < 0) failure = std::string("socket() in netns ") + netns + ": " + std::strerror(errno);
  });
  helper.join();
  if (fd < 0) throw NetnsError(failure);
  return fd;
}

}  // namespace faultline::control
