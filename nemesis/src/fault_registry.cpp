// The fault registry: adding a fault = one file in faults/ + one line in kFaults.
#include <stdexcept>

#include "faultline/nemesis/fault.h"

namespace faultline::nemesis {

std::unique_ptr<Fault> make_partition_fault();
std::unique_ptr<Fault> make_loss_fault();
std::unique_ptr<Fault> make_rate_fault();
std::unique_ptr<Fault> make_delay_fault();
std::unique_ptr<Fault> make_pause_fault();
std::unique_ptr<Fault> make_kill_fault();
std::unique_ptr<Fault> make_clock_fault();

namespace {
struct Entry {
  const char* kind;
  std::unique_ptr<Fault> (*make)();
};
constexpr Entry kFaults[] = {
    {"partition", &make_partition_fault},
    {"loss", &make_loss_fault},
    {"rate", &make_rate_fault},
    {"delay", &make_delay_fault},
    {"pause", &make_pause_fault},
    {"kill", &make_kill_fault},
    {"clock", &make_clock_fault},
};
}  // namespace

std::unique_ptr<Fault> make_fault(std::string_view kind) {
  for (const auto& e : kFaults)
    if (kind == e.kind) return e.make();
  std::string known;
  for (const auto& e : kFaults) known += (known.empty() ? "" : ", ") + std::string(e.kind);
  throw std::invalid_argument("unknown fault '" + std::string(kind) + "' (known: " + known + ")");
}

std::vector<std::string> fault_kinds() {
  std::vector<std::string> out;
  for (const auto& e : kFaults) out.push_back(e.kind);
  return out;
}

}  // namespace faultline::nemesis
