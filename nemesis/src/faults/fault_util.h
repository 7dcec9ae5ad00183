// Helpers shared by the fault implementations (private to nemesis/src).
#pragma once
#include <string>
#include <vector>

#include "faultline/nemesis/fault.h"

namespace faultline::nemesis::detail {

// Addresses of every node but `node`.
std::vector<std::string> peer_addresses(const FaultContext& ctx, const std::string& node);
// Rules (argv lists) from a JSON array of string arrays, and back.
std::vector<std::vector<std::string>> rules_from_json(const Json& j);
// The process selector a fault acts on: params "process"/"pattern"/"pid_file" override the
// system's. Throws std::invalid_argument when neither names one.
ProcessSelector selector_for(const FaultContext& ctx, const FaultSpec& spec);
// Reads a number parameter with a default, rejecting wrong types with a clear message.
double num_param(const FaultSpec& spec, const char* key, double dflt);
std::string str_param(const FaultSpec& spec, const char* key, const std::string& dflt);

}  // namespace faultline::nemesis::detail
