// The system registry: one line per system. Reference daemons are described by their
// systems-under-test/<name>/system.json (DaemonSystem); `none` runs no system at all (for the
// noop workload: harness overhead and harness tests).
#include <algorithm>

#include "daemon_system.h"
#include "faultline/runner/spec.h"

namespace faultline::runner {
namespace {

// `none`: no nodes, no daemon; its client refuses every request before sending.
class NoneClient final : public workloads::SutClient {
 public:
  const std::string& node() const override { return node_; }
  workloads::Reply call(const Json&) override {
    throw workloads::NotSent("system none serves no operations");
  }

 private:
  std::string node_ = "none";
};

class NoneSystem final : public System {
 public:
  const SystemInfo& info() const override { return info_; }
  void install(const std::string&) override {}
  void setup(const std::string&) override {}
  void start(const std::string&) override {}
  std::vector<std::string> wait_serving(double) override { return {}; }
  std::vector<std::string> primaries() override { return {}; }
  NemesisHooks hooks() override { return {}; }
  void teardown(const std::string&) override {}
  std::vector<std::string> log_files(const std::string&) override { return {}; }
  std::unique_ptr<workloads::SutClient> client(int64_t) override {
    return std::make_unique<NoneClient>();
  }
  SystemInfo info_{"none", "no system: no nodes, no daemon (for the noop workload)", {}, {}};
};

struct Entry {
  const char* name;
  const char* folder;  // systems-under-test/<folder>/system.json; nullptr = not a daemon
};
const Entry kSystems[] = {
    {"raft", "raft"},
    {"paxos", "paxos"},
    {"2pc", "twopc"},
    {"crdt", "crdt"},
    {"none", nullptr},
};

const Entry& entry(const std::string& name) {
  for (const auto& e : kSystems)
    if (name == e.name) return e;
  std::string known;
  for (const auto& e : kSystems) known += (known.empty() ? "" : ", ") + std::string(e.name);
  throw SpecError("unknown system '" + name + "' (known: " + known + ")");
}

}  // namespace

std::vector<std::string> system_names() {
  std::vector<std::string> out;
  for (const auto& e : kSystems) out.push_back(e.name);
  return out;
}

SystemInfo system_info(const std::string& name) {
  const Entry& e = entry(name);
  if (!e.folder) return NoneSystem().info();
  return load_daemon_description(e.folder).info;
}

std::unique_ptr<System> make_system(const std::string& name, SystemContext ctx) {
  const Entry& e = entry(name);
  if (!e.folder) return std::make_unique<NoneSystem>();
  return std::make_unique<DaemonSystem>(load_daemon_description(e.folder), std::move(ctx));
}

}  // namespace faultline::runner
