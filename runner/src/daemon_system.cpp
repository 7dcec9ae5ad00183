// DaemonSystem: a reference daemon speaking PROTOCOL.md, driven entirely by its system.json
// (systems-under-test/<name>/system.json): binary, args template ({id} {host} {port} {peers}
// {data_dir}), bug_args ({bug}), bugs, default_port, data_dir, ops, and how to find the leader
// (status probe; "primary": {"field", "equals"} or "leader_probe": {"leader_when": {...}},
// default role == "leader"; "primary": {"field", "most": true} = the nodes with the largest
// numeric field, e.g. 2PC's busiest coordinators). A system.json with neither is leaderless
// (has_primaries false); "leaderless": true says so explicitly (e.g. a CRDT store): serving then
// needs only every node to answer status, and primaries() is empty.
//
// Files on a node (cluster / hosts: under the system.json data_dir, which is per node on a local
// cluster; local processes: under the node's own directory):
//   <base>/data        --data-dir
//   <base>.pid         daemon pid (the nemesis's kill/pause selector)
//   <base>.log         daemon stderr, appended across restarts
// Search paths: system.json in $FAULTLINE_SYSTEMS_DIR/<name>/ or the source tree's
// systems-under-test/<name>/; the binary in $FAULTLINE_SUT_BIN_DIR, beside the faultline
// executable, or the build tree's systems-under-test/<name>/.
#include "daemon_system.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <faultline/control/remote.h>

#include "faultline/runner/line_sut_client.h"
#include "faultline/runner/spec.h"

#ifndef FAULTLINE_SUT_SOURCE_DIR
#define FAULTLINE_SUT_SOURCE_DIR ""
#endif
#ifndef FAULTLINE_SUT_BUILD_DIR
#define FAULTLINE_SUT_BUILD_DIR ""
#endif

namespace faultline::runner {
namespace fs = std::filesystem;
using control::shell_join;
using control::shell_quote;

namespace {

std::string env_or(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

}  // namespace

std::string find_system_json(const std::string& name) {
  std::vector<fs::path> dirs;
  if (auto d = env_or("FAULTLINE_SYSTEMS_DIR"); !d.empty()) dirs.emplace_back(d);
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path().parent_path() / "share" / "faultline" / "systems");
  if (*FAULTLINE_SUT_SOURCE_DIR) dirs.emplace_back(FAULTLINE_SUT_SOURCE_DIR);
  for (const auto& d : dirs) {
    auto p = d / name / "system.json";
    if (fs::exists(p, ec)) return p.string();
  }
  return {};
}

std::string find_daemon_binary(const std::string& system, const std::string& binary) {
  std::vector<fs::path> cands;
  if (auto d = env_or("FAULTLINE_SUT_BIN_DIR"); !d.empty()) cands.push_back(fs::path(d) / binary);
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    cands.push_back(exe.parent_path() / binary);
    cands.push_back(exe.parent_path().parent_path() / "systems-under-test" / system / binary);
  }
  if (*FAULTLINE_SUT_BUILD_DIR) cands.push_back(fs::path(FAULTLINE_SUT_BUILD_DIR) / system / binary);
  for (const auto& c : cands)
    if (fs::exists(c, ec) && !fs::is_directory(c, ec)) return fs::absolute(c).string();
  return {};
}

DaemonDescription load_daemon_description(const std::string& name) {
  const std::string path = find_system_json(name);  // name = the folder
  if (path.empty())
    throw SpecError("system '" + name + "': system.json not found (set FAULTLINE_SYSTEMS_DIR)");
  std::ifstream in(path);
  Json j;
  try {
    j = Json::parse(in);
  } catch (const std::exception& e) {
    throw SpecError(path + ": " + e.what());
  }
  DaemonDescription d;
  d.json_path = path;
  d.folder = name;
  d.info.name = j.value("name", name);
  d.info.description = j.value("description", j.value("comment", std::string("reference daemon ") +
                                                                      j.value("binary", name)));
  d.info.ops = j.value("ops", std::vector<std::string>{});
  if (j.contains("bugs") && j["bugs"].is_object())
    for (auto& [k, v] : j["bugs"].items()) d.info.bugs[k] = v.is_string() ? v.get<std::string>() : v.dump();
  d.binary = j.value("binary", "");
  if (d.binary.empty()) throw SpecError(path + ": no \"binary\"");
  d.args = j.value("args", std::vector<std::string>{});
  d.bug_args = j.value("bug_args", std::vector<std::string>{"--bug", "{bug}"});
  d.peer_format = j.value("peer_format", std::string("{id}={host}:{port}"));
  d.default_port = j.value("default_port", 7000);
  d.data_dir = j.value("data_dir", "/var/lib/faultline/" + name);
  d.info.has_primaries = (j.contains("primary") && j["primary"].is_object()) ||
                         (j.contains("leader_probe") && j["leader_probe"].is_object());
  if (j.contains("primary") && j["primary"].is_object()) {
    d.leader_field = j["primary"].value("field", d.leader_field);
    if (j["primary"].contains("equals")) d.leader_value = j["primary"]["equals"];
    d.leader_most = j["primary"].value("most", false);
  } else if (j.contains("leader_probe") && j["leader_probe"].contains("leader_when") &&
             j["leader_probe"]["leader_when"].is_object() &&
             !j["leader_probe"]["leader_when"].empty()) {
    auto it = j["leader_probe"]["leader_when"].begin();
    d.leader_field = it.key();
    d.leader_value = it.value();
  }
  d.leaderless = j.value("leaderless", false);
  if (d.leaderless) d.info.has_primaries = false;  // no leader to aim at or wait for
  return d;
}

DaemonSystem::DaemonSystem(DaemonDescription d, SystemContext ctx)
    : d_(std::move(d)), ctx_(std::move(ctx)) {
  if (!ctx_.bug.empty() && !d_.info.bugs.count(ctx_.bug)) {
    std::string known;
    for (auto& [k, v] : d_.info.bugs) known += (known.empty() ? "" : ", ") + k;
    throw SpecError("system " + d_.info.name + " has no bug '" + ctx_.bug + "' (known: " +
                    (known.empty() ? "none" : known) + ")");
  }
  local_binary_ = find_daemon_binary(d_.folder, d_.binary);
  for (auto& n : ctx_.nodes)
    if (n.port == 0) n.port = d_.default_port;
}

const SystemNode& DaemonSystem::node(const std::string& name) const {
  for (const auto& n : ctx_.nodes)
    if (n.name == name) return n;
  throw std::invalid_argument("unknown node " + name);
}

std::string DaemonSystem::base(const std::string& node_name) const {
  const auto& n = node(node_name);
  if (ctx_.local_processes) return (fs::path(n.dir) / d_.info.name).string();
  return d_.data_dir;
}

std::vector<std::string> DaemonSystem::argv(const std::string& node_name) const {
  const auto& n = node(node_name);
  std::string peers;
  for (const auto& p : ctx_.nodes) {
    std::string s = replace_all(d_.peer_format, "{id}", p.name);
    s = replace_all(s, "{host}", p.host);
    s = replace_all(s, "{port}", std::to_string(p.port));
    peers += (peers.empty() ? "" : ",") + s;
  }
  std::string bin = local_binary_;
  {
    std::lock_guard lk(mu_);
    if (auto it = remote_binary_.find(node_name); it != remote_binary_.end()) bin = it->second;
  }
  std::vector<std::string> out{bin};
  auto fill = [&](std::string a) {
    a = replace_all(a, "{id}", n.name);
    a = replace_all(a, "{host}", n.host);
    a = replace_all(a, "{port}", std::to_string(n.port));
    a = replace_all(a, "{peers}", peers);
    a = replace_all(a, "{data_dir}", base(node_name) + "/data");
    a = replace_all(a, "{bug}", ctx_.bug);
    return a;
  };
  for (const auto& a : d_.args) out.push_back(fill(a));
  if (!ctx_.bug.empty())
    for (const auto& a : d_.bug_args) out.push_back(fill(a));
  return out;
}

void DaemonSystem::install(const std::string& node_name) {
  if (local_binary_.empty())
    throw std::runtime_error("daemon binary " + d_.binary + " of system " + d_.info.name +
                             " not found (build target " + d_.binary +
                             ", or set FAULTLINE_SUT_BIN_DIR)");
  auto& r = *node(node_name).remote;
  if (r.exec("test -x " + shell_quote(local_binary_)).ok()) {
    std::lock_guard lk(mu_);
    remote_binary_[node_name] = local_binary_;
    return;
  }
  const std::string dest = "/var/lib/faultline/bin/" + d_.binary;
  auto mk = r.exec("mkdir -p /var/lib/faultline/bin");
  if (!mk.ok()) throw std::runtime_error(node_name + ": mkdir /var/lib/faultline/bin: " + mk.err);
  r.upload(local_binary_, dest, 0755);
  std::lock_guard lk(mu_);
  remote_binary_[node_name] = dest;
}

std::string DaemonSystem::stop_cmd(const std::string& node_name) const {
  const std::string pid = shell_quote(base(node_name) + ".pid");
  // SIGTERM, up to 5 s, then SIGKILL; only a pid whose command line names our binary.
  return "if [ -f " + pid + " ]; then p=$(cat " + pid + "); if [ -n \"$p\" ] && grep -q " +
         shell_quote(d_.binary) + " /proc/$p/cmdline 2>/dev/null; then kill -TERM $p; i=0; "
         "alive() { s=$(sed -n 's/^.*) \\(.\\).*/\\1/p' /proc/$p/stat 2>/dev/null); "
         "[ -n \"$s\" ] && [ \"$s\" != Z ]; }; "
         "while alive && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; "
         "kill -9 $p 2>/dev/null; fi; rm -f " + pid + "; fi; true";
}

std::string DaemonSystem::launch_text(const std::string& node_name) const {
  return shell_join(argv(node_name)) + " >> " + shell_quote(base(node_name) + ".log") + " 2>&1";
}

void DaemonSystem::setup(const std::string& node_name) {
  auto& r = *node(node_name).remote;
  const std::string b = base(node_name);
  auto res = r.exec(stop_cmd(node_name) + "; rm -rf " + shell_quote(b + "/data") + " " +
                    shell_quote(b + ".log") + " " + shell_quote(b + ".spawn.log") + "; mkdir -p " +
                    shell_quote(b + "/data"));
  if (!res.ok()) throw std::runtime_error(node_name + ": setup failed: " + res.err);
  // The start script: what the nemesis's journaled restart runs when no runner is alive.
  std::string script = "#!/bin/sh\n";
  if (auto it = ctx_.daemon_env.find(node_name); it != ctx_.daemon_env.end())
    for (const auto& [k, v] : it->second) script += "export " + k + "=" + shell_quote(v) + "\n";
  script += "echo $$ > " + shell_quote(b + ".pid") + "\nexec " + launch_text(node_name) + "\n";
  control::ExecOptions eo;
  eo.stdin_data = script;
  auto w = r.exec("cat > " + shell_quote(b + ".start.sh"), eo);
  if (!w.ok()) throw std::runtime_error(node_name + ": writing start script: " + w.err);
}

void DaemonSystem::start(const std::string& node_name) {
  auto& r = *node(node_name).remote;
  control::SpawnOptions so;
  so.pid_file = base(node_name) + ".pid";
  so.log_file = base(node_name) + ".spawn.log";
  if (auto it = ctx_.daemon_env.find(node_name); it != ctx_.daemon_env.end()) so.env = it->second;
  r.spawn(launch_text(node_name), so);
}

Json DaemonSystem::status(const SystemNode& n, int64_t timeout_ms) {
  LineClientOptions o;
  o.node = n.name;
  o.host = n.host;
  o.port = n.port;
  o.netns = ctx_.control_netns;
  o.timeout_ms = timeout_ms;
  o.max_redirects = 0;
  LineSutClient c(o);
  try {
    auto r = c.call({{"op", "status"}});
    if (r.ok) return r.value.is_null() ? Json::object() : r.value;
  } catch (const std::exception&) {
  }
  return nullptr;
}

std::vector<std::string> DaemonSystem::wait_serving(double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  std::vector<std::string> missing;
  for (;;) {
    missing.clear();
    bool leader = false;
    for (const auto& n : ctx_.nodes) {
      Json s = status(n, 500);
      if (s.is_null()) {
        missing.push_back(n.name);
        continue;
      }
      if (d_.leader_most || (s.is_object() && s.value(d_.leader_field, Json()) == d_.leader_value))
        leader = true;
    }
    if (missing.empty() && (leader || !d_.info.has_primaries)) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      if (missing.empty()) missing.push_back("(no leader elected)");
      return missing;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::vector<std::string> DaemonSystem::primaries() {
  std::vector<std::string> out;
  if (!d_.info.has_primaries) return out;
  double most = 0;
  for (const auto& n : ctx_.nodes) {
    Json s = status(n, 500);
    if (!s.is_object()) continue;
    if (!d_.leader_most) {
      if (s.value(d_.leader_field, Json()) == d_.leader_value) out.push_back(n.name);
      continue;
    }
    const Json v = s.value(d_.leader_field, Json());
    const double x = v.is_number() ? v.get<double>() : 0;
    if (x <= 0 || x < most) continue;
    if (x > most) out.clear();
    most = x;
    out.push_back(n.name);
  }
  return out;
}

NemesisHooks DaemonSystem::hooks() {
  NemesisHooks h;
  // Local processes: every node's Remote runs in the node's directory, so one relative pid
  // file selects each node's own daemon.
  h.pid_file = ctx_.local_processes ? d_.info.name + ".pid" : d_.data_dir + ".pid";
  h.restart = [this](const std::string& node) { start(node); };
  // For a heal run after this process died: the node's start script written by setup().
  h.restart_cmd = "/bin/sh " + shell_quote(ctx_.local_processes ? d_.info.name + ".start.sh"
                                                                 : d_.data_dir + ".start.sh");
  return h;
}

void DaemonSystem::teardown(const std::string& node_name) {
  auto& r = *node(node_name).remote;
  auto res = r.exec(stop_cmd(node_name) + "; rm -rf " + shell_quote(base(node_name) + "/data"));
  if (!res.ok()) throw std::runtime_error(node_name + ": teardown failed: " + res.err);
}

std::vector<std::string> DaemonSystem::log_files(const std::string& node_name) {
  const std::string b = base(node_name);
  return {b + ".log", b + ".spawn.log", b + ".start.sh"};
}

std::unique_ptr<workloads::SutClient> DaemonSystem::client(int64_t process) {
  const auto& n = ctx_.nodes[static_cast<size_t>(process) % ctx_.nodes.size()];
  LineClientOptions o;
  o.node = n.name;
  o.host = n.host;
  o.port = n.port;
  o.netns = ctx_.control_netns;
  o.timeout_ms = static_cast<int64_t>(ctx_.client_timeout_s * 1000);
  return std::make_unique<LineSutClient>(o);
}

}  // namespace faultline::runner
