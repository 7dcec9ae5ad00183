// The process-wide fault-hook slot (see fault_hooks.h).
#include "faultline/control/fault_hooks.h"

#include <fstream>

#include "faultline/control/cluster.h"

namespace faultline::control {
namespace {
FaultHooks& slot() {
  static FaultHooks hooks;
  return hooks;
}
}  // namespace

void register_fault_hooks(const FaultHooks& hooks) { slot() = hooks; }

const FaultHooks& fault_hooks() { return slot(); }

bool fault_journal_has_entries(const Cluster& cluster) {
  std::ifstream in(cluster.fault_journal_path());
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) return true;
  }
  return false;
}

}  // namespace faultline::control
