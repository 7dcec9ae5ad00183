// FakeRemote: a Remote for unit tests that records every command and answers from a script.
// Script rules are (substring, result) pairs; the first rule whose substring occurs in the command
// answers it, otherwise the command "succeeds" with empty output. `on_exec` (optional) runs
// before answering, e.g. to check that the journal already holds a step.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "faultline/control/remote.h"

namespace faultline::nemesis::testing {

class FakeRemote final : public control::Remote {
 public:
  explicit FakeRemote(std::string node) : node_(std::move(node)) {}
  const std::string& node() const override { return node_; }

  control::ExecResult exec(const std::string& cmd, const control::ExecOptions&) override {
    commands.push_back(cmd);
    if (on_exec) on_exec(cmd);
    if (unreachable) throw control::RemoteError(node_, cmd, "connection refused");
    for (const auto& [needle, result] : script)
      if (cmd.find(needle) != std::string::npos) return result;
    control::ExecResult ok;
    ok.exit_status = 0;
    return ok;
  }
  void upload(const std::string& local, const std::string& remote, int) override {
    uploads.emplace_back(local, remote);
  }
  void download(const std::string&, const std::string&) override {}
  int64_t spawn(const std::string& cmd, const control::SpawnOptions&) override {
    commands.push_back("spawn: " + cmd);
    return 4242;
  }

  void answer(std::string needle, int exit_status, std::string out = "", std::string err = "") {
    control::ExecResult r;
    r.exit_status = exit_status;
    r.out = std::move(out);
    r.err = std::move(err);
    script.emplace_back(std::move(needle), std::move(r));
  }
  // Commands containing `needle`.
  std::vector<std::string> matching(const std::string& needle) const {
    std::vector<std::string> out;
    for (const auto& c : commands)
      if (c.find(needle) != std::string::npos) out.push_back(c);
    return out;
  }

  std::vector<std::string> commands;
  std::vector<std::pair<std::string, std::string>> uploads;
  std::vector<std::pair<std::string, control::ExecResult>> script;
  std::function<void(const std::string&)> on_exec;
  bool unreachable = false;

 private:
  std::string node_;
};

}  // namespace faultline::nemesis::testing
