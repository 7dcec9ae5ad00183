// LocalRemote: the Remote API for a node that is this machine (Boost.Process, kept out of this
// header). exec() runs `/bin/sh -c CMD` as a child in its own process group, with stdout and
// stderr captured separately and stdin fed from ExecOptions::stdin_data; on timeout the whole
// group is SIGKILLed and RemoteError is thrown. upload/download copy files.
//
// `prefix_argv` wraps every command, which turns this into a "netns-local" remote, e.g.
// {"ip", "netns", "exec", "fl-c1-n1"} (runs in the node's network namespace only) or
// {"nsenter", "-t", "<host pid of the node init>", "-a"} (the node's full view: hostname, pids,
// mounts). upload/download ignore the prefix: they copy between paths of this machine's root
// mount namespace.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "faultline/control/remote.h"

namespace faultline::control {

struct LocalRemoteOptions {
  std::string node = "localhost";        // name used in errors
  std::vector<std::string> prefix_argv;  // see above; empty = run directly
  // Upper bound on captured stdout (and, separately, stderr); more is a RemoteError.
  size_t max_output_bytes = 64u << 20;
};

std::unique_ptr<Remote> make_local_remote(LocalRemoteOptions opts = {});

}  // namespace faultline::control
