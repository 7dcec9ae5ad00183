// The workload registry: one line per workload. A workload file defines
// std::unique_ptr<Workload> make_<name>_workload(); and adds its line below.
#include <stdexcept>

#include <faultline/workloads/workload.h>

namespace faultline::workloads {

std::unique_ptr<Workload> make_noop_workload();
std::unique_ptr<Workload> make_register_workload();
std::unique_ptr<Workload> make_cas_register_workload();
std::unique_ptr<Workload> make_unique_names_workload();
std::unique_ptr<Workload> make_lock_workload();
std::unique_ptr<Workload> make_set_workload();
std::unique_ptr<Workload> make_bank_workload();
std::unique_ptr<Workload> make_list_append_workload();
std::unique_ptr<Workload> make_rw_register_workload();
std::unique_ptr<Workload> make_counter_workload();
std::unique_ptr<Workload> make_broadcast_workload();
std::unique_ptr<Workload> make_queue_workload();
std::unique_ptr<Workload> make_pn_counter_workload();
std::unique_ptr<Workload> make_or_set_workload();
std::unique_ptr<Workload> make_lww_register_workload();

namespace {
struct Entry {
  const char* name;
  std::unique_ptr<Workload> (*make)();
};
const Entry kWorkloads[] = {
    {"noop", &make_noop_workload},
    {"register", &make_register_workload},
    {"cas-register", &make_cas_register_workload},
    {"unique-names", &make_unique_names_workload},
    {"lock", &make_lock_workload},
    {"set", &make_set_workload},
    {"bank", &make_bank_workload},
    {"list-append", &make_list_append_workload},
    {"rw-register", &make_rw_register_workload},
    {"counter", &make_counter_workload},
    {"broadcast", &make_broadcast_workload},
    {"queue", &make_queue_workload},
    {"pn-counter", &make_pn_counter_workload},
    {"or-set", &make_or_set_workload},
    {"lww-register", &make_lww_register_workload},
};
}  // namespace

std::unique_ptr<Workload> make_workload(std::string_view name) {
  for (const Entry& e : kWorkloads) {
    if (name == e.name) return e.make();
  }
  std::string known;
  for (const Entry& e : kWorkloads) known += (known.empty() ? "" : ", ") + std::string(e.name);
  throw std::invalid_argument("unknown workload '" + std::string(name) + "' (known: " + known +
                              ")");
}

std::vector<std::string> workload_names() {
  std::vector<std::string> names;
  for (const Entry& e : kWorkloads) names.push_back(e.name);
  return names;
}

}  // namespace faultline::workloads
