#include "faultline/runner/spec.h"

#include <algorithm>
#include <fstream>

#include <faultline/nemesis/fault.h>
#include <faultline/nemesis/target.h>
#include <faultline/workloads/workload.h>

#include "faultline/runner/system.h"

namespace faultline::runner {

std::string to_string(NodesMode m) {
  switch (m) {
    case NodesMode::LocalCluster: return "local-cluster";
    case NodesMode::Cluster: return "cluster";
    case NodesMode::Hosts: return "hosts";
    case NodesMode::LocalProcesses: return "local-processes";
  }
  return "?";
}

std::string TestSpec::default_name() const {
  std::string n = system.empty() ? "test" : system;
  if (!bug.empty()) n += "-" + bug;
  if (!workload.empty()) n += "-" + workload;
  return n;
}

Json spec_to_json(const TestSpec& s) {
  Json nodes = {{"mode", to_string(s.nodes.mode)}};
  switch (s.nodes.mode) {
    case NodesMode::LocalCluster:
      nodes["count"] = s.nodes.count;
      if (!s.nodes.cluster.empty()) nodes["cluster"] = s.nodes.cluster;
      break;
    case NodesMode::Cluster: nodes["cluster"] = s.nodes.cluster; break;
    case NodesMode::Hosts:
      if (!s.nodes.nodes_file.empty()) nodes["nodes_file"] = s.nodes.nodes_file;
      if (!s.nodes.nodes.empty()) nodes["nodes"] = s.nodes.nodes;
      nodes["ssh_user"] = s.nodes.ssh_user;
      if (!s.nodes.ssh_key.empty()) nodes["ssh_key"] = s.nodes.ssh_key;
      nodes["ssh_port"] = s.nodes.ssh_port;
      nodes["strict_host_key_checking"] = s.nodes.strict_host_key_checking;
      break;
    case NodesMode::LocalProcesses:
      nodes["count"] = s.nodes.count;
      nodes["base_port"] = s.nodes.base_port;
      break;
  }
  return {{"name", s.effective_name()},
          {"system", s.system},
          {"bug", s.bug.empty() ? Json() : Json(s.bug)},
          {"workload", s.workload},
          {"workload_params", s.workload_params},
          {"nemesis", s.nemesis},
          {"nemesis_interval_s", s.nemesis_interval_s},
          {"nodes", nodes},
          {"time_limit_s", s.time_limit_s},
          {"concurrency", s.concurrency},
          {"rate", s.rate},
          {"arrival", s.arrival},
          {"seed", s.seed},
          {"test_count", s.test_count},
          {"leave_running", s.leave_running},
          {"store", s.store},
          {"client_timeout_s", s.client_timeout_s},
          {"recovery_timeout_s", s.recovery_timeout_s},
          {"ready_timeout_s", s.ready_timeout_s}};
}

namespace {

template <class T>
void get(const Json& j, const char* key, T& out) {
  if (!j.contains(key) || j[key].is_null()) return;
  try {
    out = j[key].get<T>();
  } catch (const std::exception& e) {
    throw SpecError(std::string("test spec: member \"") + key + "\": " + e.what());
  }
}

const char* const kKnownKeys[] = {"name", "system", "bug", "workload", "workload_params",
                                  "nemesis", "nemesis_interval_s", "nodes", "time_limit_s",
                                  "concurrency", "rate", "arrival", "seed", "test_count",
                                  "leave_running", "store", "client_timeout_s",
                                  "recovery_timeout_s", "ready_timeout_s"};

}  // namespace

TestSpec spec_from_json(const Json& j) {
  if (!j.is_object()) throw SpecError("test spec: expected a JSON object");
  for (auto& [k, v] : j.items()) {
    if (std::find(std::begin(kKnownKeys), std::end(kKnownKeys), k) == std::end(kKnownKeys))
      throw SpecError("test spec: unknown member \"" + k + "\"");
  }
  TestSpec s;
  get(j, "name", s.name);
  get(j, "system", s.system);
  get(j, "bug", s.bug);
  get(j, "workload", s.workload);
  if (j.contains("workload_params") && !j["workload_params"].is_null()) {
    if (!j["workload_params"].is_object()) throw SpecError("test spec: \"workload_params\" must be an object");
    s.workload_params = j["workload_params"];
  }
  if (j.contains("nemesis") && j["nemesis"].is_string()) {
    std::string list = j["nemesis"];
    size_t start = 0;
    while (start <= list.size()) {
      size_t c = list.find(',', start);
      std::string k = list.substr(start, c == std::string::npos ? std::string::npos : c - start);
      if (!k.empty() && k != "none") s.nemesis.push_back(k);
      if (c == std::string::npos) break;
      start = c + 1;
    }
  } else {
    get(j, "nemesis", s.nemesis);
  }
  get(j, "nemesis_interval_s", s.nemesis_interval_s);
  if (j.contains("nodes") && !j["nodes"].is_null()) {
    const Json& n = j["nodes"];
    if (!n.is_object()) throw SpecError("test spec: \"nodes\" must be an object");
    std::string mode = n.value("mode", "local-cluster");
    if (mode == "local-cluster") s.nodes.mode = NodesMode::LocalCluster;
    else if (mode == "cluster") s.nodes.mode = NodesMode::Cluster;
    else if (mode == "hosts") s.nodes.mode = NodesMode::Hosts;
    else if (mode == "local-processes") s.nodes.mode = NodesMode::LocalProcesses;
    else throw SpecError("test spec: nodes.mode '" + mode +
                         "' (local-cluster, cluster, hosts, local-processes)");
    get(n, "count", s.nodes.count);
    get(n, "cluster", s.nodes.cluster);
    get(n, "nodes_file", s.nodes.nodes_file);
    get(n, "nodes", s.nodes.nodes);
    get(n, "ssh_user", s.nodes.ssh_user);
    get(n, "ssh_key", s.nodes.ssh_key);
    get(n, "ssh_port", s.nodes.ssh_port);
    get(n, "strict_host_key_checking", s.nodes.strict_host_key_checking);
    get(n, "base_port", s.nodes.base_port);
  }
  get(j, "time_limit_s", s.time_limit_s);
  get(j, "concurrency", s.concurrency);
  get(j, "rate", s.rate);
  get(j, "arrival", s.arrival);
  get(j, "seed", s.seed);
  get(j, "test_count", s.test_count);
  get(j, "leave_running", s.leave_running);
  get(j, "store", s.store);
  get(j, "client_timeout_s", s.client_timeout_s);
  get(j, "recovery_timeout_s", s.recovery_timeout_s);
  get(j, "ready_timeout_s", s.ready_timeout_s);
  return s;
}

TestSpec read_spec_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw SpecError("cannot read test spec " + path);
  Json j;
  try {
    j = Json::parse(in);
  } catch (const std::exception& e) {
    throw SpecError(path + ": " + e.what());
  }
  try {
    return spec_from_json(j);
  } catch (const SpecError& e) {
    throw SpecError(path + ": " + e.what());
  }
}

bool is_network_fault(const std::string& kind) {
  return kind == "partition" || kind == "loss" || kind == "rate" || kind == "delay";
}

NemesisEntry parse_nemesis_entry(const std::string& entry) {
  NemesisEntry e;
  const size_t colon = entry.find(':');
  e.kind = entry.substr(0, colon);
  if (colon != std::string::npos) {
    e.target = entry.substr(colon + 1);
    std::replace(e.target.begin(), e.target.end(), '+', ',');
  }
  return e;
}

void validate(const TestSpec& s) {
  if (s.system.empty()) throw SpecError("no --system given (faultline test --list shows them)");
  if (s.workload.empty()) throw SpecError("no --workload given (faultline test --list shows them)");
  const SystemInfo sys = system_info(s.system);  // throws for an unknown system
  if (!s.bug.empty() && !sys.bugs.count(s.bug)) {
    std::string known;
    for (auto& [k, v] : sys.bugs) known += (known.empty() ? "" : ", ") + k;
    throw SpecError("system " + s.system + " has no bug '" + s.bug + "' (known: " +
                    (known.empty() ? "none" : known) + ")");
  }
  std::unique_ptr<workloads::Workload> w;
  try {
    w = workloads::make_workload(s.workload);
  } catch (const std::invalid_argument& e) {
    throw SpecError(e.what());
  }
  for (const auto& op : w->required_ops()) {
    if (std::find(sys.ops.begin(), sys.ops.end(), op) == sys.ops.end()) {
      std::string served;
      for (const auto& o : sys.ops) served += (served.empty() ? "" : ", ") + o;
      throw SpecError("workload " + s.workload + " needs op '" + op + "', which system " +
                      s.system + " does not serve (it serves: " +
                      (served.empty() ? "nothing" : served) + ")");
    }
  }
  const auto kinds = nemesis::fault_kinds();
  for (const auto& entry : s.nemesis) {
    const NemesisEntry ne = parse_nemesis_entry(entry);
    const std::string& k = ne.kind;
    if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) {
      std::string known;
      for (const auto& x : kinds) known += (known.empty() ? "" : ", ") + x;
      throw SpecError("unknown nemesis fault '" + k + "' (known: " + known + ")");
    }
    if (entry.find(':') != std::string::npos) {
      try {
        if (ne.target.empty()) throw std::invalid_argument("empty target");
        const nemesis::TargetSpec t = nemesis::parse_target(ne.target);
        if (t.kind == nemesis::TargetSpec::Kind::Any && k == "partition")
          throw std::invalid_argument("a partition picks a shape, not a node spec: give no target "
                                      "for random halves, or the nodes to cut off");
        if (t.kind == nemesis::TargetSpec::Kind::Primaries && !sys.has_primaries)
          throw std::invalid_argument("system " + s.system + " names no primaries");
        // Node names are known up front for the nodes the runner makes itself: n1..nN.
        if (t.kind == nemesis::TargetSpec::Kind::List &&
            (s.nodes.mode == NodesMode::LocalCluster || s.nodes.mode == NodesMode::LocalProcesses))
          for (const auto& n : t.names) {
            bool known = false;
            for (int i = 1; i <= s.nodes.count; ++i)
              known = known || (n.size() > 1 && n[0] == 'n' && n.substr(1) == std::to_string(i));
            if (!known) throw std::invalid_argument("no node named '" + n + "'");
          }
      } catch (const std::invalid_argument& e) {
        throw SpecError("nemesis '" + entry + "': bad target '" + ne.target + "' (" + e.what() +
                        "; use one, minority, majority, all, primaries, any or n1+n2)");
      }
    }
    if (s.nodes.mode == NodesMode::LocalProcesses && is_network_fault(k))
      throw SpecError("nemesis '" + k + "' needs network namespaces or real hosts; with "
                      "--local-processes only kill, pause and clock work (use --nodes N as root "
                      "for a local cluster)");
    if (s.system == "none")
      throw SpecError("system none has no nodes: a nemesis (" + k + ") has nothing to act on");
  }
  if (!(s.time_limit_s > 0)) throw SpecError("--time-limit must be > 0 seconds");
  if (s.concurrency < 1) throw SpecError("--concurrency must be >= 1");
  if (s.rate < 0) throw SpecError("--rate must be >= 0 (0 = unlimited)");
  if (s.arrival != "uniform" && s.arrival != "poisson")
    throw SpecError("arrival must be uniform or poisson");
  if (s.test_count < 1) throw SpecError("--test-count must be >= 1");
  if (!s.nemesis.empty() && !(s.nemesis_interval_s > 0))
    throw SpecError("--nemesis-interval must be > 0 seconds");
  if (!(s.client_timeout_s > 0)) throw SpecError("client_timeout_s must be > 0");
  if (s.system != "none") {
    switch (s.nodes.mode) {
      case NodesMode::LocalCluster:
      case NodesMode::LocalProcesses:
        if (s.nodes.count < 1 || s.nodes.count > 64) throw SpecError("--nodes must be 1..64");
        break;
      case NodesMode::Cluster:
        if (s.nodes.cluster.empty()) throw SpecError("--cluster needs a cluster name");
        break;
      case NodesMode::Hosts:
        if (s.nodes.nodes_file.empty() && s.nodes.nodes.empty())
          throw SpecError("hosts mode needs a nodes file or a host list");
        break;
    }
  }
  if (s.store.empty()) throw SpecError("--store must not be empty");
}

}  // namespace faultline::runner
