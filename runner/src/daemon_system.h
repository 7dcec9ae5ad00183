// Internal: the System of a reference daemon described by its system.json (daemon_system.cpp
// documents the file layout and search paths).
#pragma once
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "faultline/runner/system.h"

namespace faultline::runner {

struct DaemonDescription {
  SystemInfo info;
  std::string json_path;
  std::string folder;  // systems-under-test/<folder>/ (the build dir of the binary too)
  std::string binary;
  std::vector<std::string> args, bug_args;
  std::string peer_format = "{id}={host}:{port}";
  int default_port = 7000;
  std::string data_dir;
  std::string leader_field = "role";
  Json leader_value = "leader";
  // "primary": {"field": F, "most": true}: the primaries are the nodes whose numeric status
  // field F is largest (and > 0), e.g. 2PC's busiest coordinators; serving needs no leader.
  bool leader_most = false;
  bool leaderless = false;  // "leaderless": true: serving = every node answers status
};

// `folder` names systems-under-test/<folder>/ (the system's name is system.json's "name").
// Throws SpecError when system.json is missing or malformed.
DaemonDescription load_daemon_description(const std::string& folder);
std::string find_system_json(const std::string& name);
std::string find_daemon_binary(const std::string& system, const std::string& binary);

class DaemonSystem final : public System {
 public:
  DaemonSystem(DaemonDescription d, SystemContext ctx);
  const SystemInfo& info() const override { return d_.info; }
  void install(const std::string& node) override;
  void setup(const std::string& node) override;
  void start(const std::string& node) override;
  std::vector<std::string> wait_serving(double timeout_s) override;
  std::vector<std::string> primaries() override;
  NemesisHooks hooks() override;
  void teardown(const std::string& node) override;
  std::vector<std::string> log_files(const std::string& node) override;
  std::unique_ptr<workloads::SutClient> client(int64_t process) override;

  std::vector<std::string> argv(const std::string& node) const;

 private:
  const SystemNode& node(const std::string& name) const;
  std::string base(const std::string& node) const;
  std::string stop_cmd(const std::string& node) const;
  std::string launch_text(const std::string& node) const;
  Json status(const SystemNode& n, int64_t timeout_ms);

  DaemonDescription d_;
  SystemContext ctx_;
  std::string local_binary_;
  std::map<std::string, std::string> remote_binary_;  // node -> path there
  mutable std::mutex mu_;
};

}  // namespace faultline::runner
