// Network namespaces by name (/run/netns/<name>, as `ip netns` makes them).
//
// The control side of a local cluster must open its client sockets inside the cluster's control
// namespace: from the root namespace, node addresses are routed to the machine's gateway, and
// that traffic must never be sent. open_socket_in_netns() does so without moving the calling
// thread: a short-lived helper thread enters the namespace (setns(CLONE_NEWNET) affects only that
// thread), creates the socket and exits; the socket stays bound to that namespace for its life.
// Needs CAP_SYS_ADMIN (root).
#pragma once
#include <stdexcept>
#include <string>

namespace faultline::control {

class NetnsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Path of a named network namespace: /run/netns/<name>.
std::string netns_path(const std::string& name);

// True when /run/netns/<name> exists.
bool netns_exists(const std::string& name);

// socket(domain, type | SOCK_CLOEXEC, 0) created inside the named namespace; caller owns the fd.
// Throws NetnsError (namespace missing, no permission, socket failure) with the reason.
int open_socket_in_netns(const std::string& netns, int domain, int type);

}  // namespace faultline::control
