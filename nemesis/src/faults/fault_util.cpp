#include "fault_util.h"

#include <stdexcept>

namespace faultline::nemesis::detail {

std::vector<std::string> peer_addresses(const FaultContext& ctx, const std::string& node) {
  std::vector<std::string> out;
  for (const auto& n : ctx.nodes())
    if (n.name != node) out.push_back(n.address);
  return out;
}

std::vector<std::vector<std::string>> rules_from_json(const Json& j) {
  return j.get<std::vector<std::vector<std::string>>>();
}

ProcessSelector selector_for(const FaultContext& ctx, const FaultSpec& spec) {
  ProcessSelector s;
  s.name = spec.params.value("process", "");
  s.pattern = spec.params.value("pattern", "");
  s.pid_file = spec.params.value("pid_file", "");
  if (s.empty()) s = ctx.hooks().processes;
  if (s.empty())
    throw std::invalid_argument(spec.kind +
                                ": no processes to act on (give --process, --pattern or "
                                "--pid-file, or a system that names its processes)");
  return s;
}

double num_param(const FaultSpec& spec, const char* key, double dflt) {
  if (!spec.params.contains(key)) return dflt;
  const auto& v = spec.params.at(key);
  if (!v.is_number())
    throw std::invalid_argument(spec.kind + ": parameter '" + key + "' must be a number");
  return v.get<double>();
}

std::string str_param(const FaultSpec& spec, const char* key, const std::string& dflt) {
  if (!spec.params.contains(key)) return dflt;
  const auto& v = spec.params.at(key);
  if (!v.is_string())
    throw std::invalid_argument(spec.kind + ": parameter '" + key + "' must be a string");
  return v.get<std::string>();
}

}  // namespace faultline::nemesis::detail
