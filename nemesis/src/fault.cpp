#include "faultline/nemesis/fault.h"

namespace faultline::nemesis {
namespace {
std::string replace_node(std::string tmpl, const std::string& node) {
  const std::string key = "{node}";
  for (size_t p = tmpl.find(key); p != std::string::npos; p = tmpl.find(key, p + node.size()))
    tmpl.replace(p, key.size(), node);
  return tmpl;
}
}  // namespace

Json ProcessSelector::to_json() const {
  Json j = Json::object();
  if (!name.empty()) j["name"] = name;
  if (!pattern.empty()) j["pattern"] = pattern;
  if (!pid_file.empty()) j["pid_file"] = pid_file;
  return j;
}

ProcessSelector ProcessSelector::from_json(const Json& j) {
  ProcessSelector s;
  s.name = j.value("name", "");
  s.pattern = j.value("pattern", "");
  s.pid_file = j.value("pid_file", "");
  return s;
}

Json FaultSpec::to_json() const { return {{"kind", kind}, {"params", params}, {"target", target}}; }

FaultSpec FaultSpec::from_json(const Json& j) {
  FaultSpec s;
  s.kind = j.at("kind").get<std::string>();
  s.params = j.value("params", Json::object());
  s.target = j.value("target", "all");
  return s;
}

std::string FaultContext::clock_file(const std::string& node) const {
  return replace_node(config().clock_file, node);
}

std::string FaultContext::state_dir(const std::string& node) const {
  return replace_node(config().node_state_dir, node);
}

std::vector<std::pair<std::string, std::string>> faketime_env(const NemesisConfig& cfg,
                                                              const std::string& node,
                                                              bool multithreaded) {
  return {{"LD_PRELOAD", multithreaded
                             ? "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
                             : "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"},
          {"FAKETIME_TIMESTAMP_FILE", replace_node(cfg.clock_file, node)},
          {"FAKETIME_NO_CACHE", "1"},
          {"FAKETIME_DONT_FAKE_MONOTONIC", "1"}};
}

}  // namespace faultline::nemesis
