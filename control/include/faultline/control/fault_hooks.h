// Fault hooks: how control/ (which must not depend on nemesis/) runs the nemesis's heal from
// `faultline cluster heal` and shows active faults in `faultline cluster status`.
//
// Contract for the nemesis:
// - Journal: every fault is appended to cluster.fault_journal_path()
//   (= <cluster state dir>/faults/journal.jsonl; the directory exists once a Cluster is opened)
//   BEFORE it is applied, so a control process killed with SIGKILL leaves a record of what to
//   undo. The journal's line format belongs to the nemesis; control/ never parses it.
// - Register once per process, e.g. from cli/cmd_nemesis.cpp (part of the executable, so it is
//   always linked; a registrar inside the static library faultline_nemesis would be dropped by
//   the linker unless something else in its object file is referenced):
//     static faultline::control::FaultHooksRegistrar fault_hooks_reg({
//         .heal_all = &my_heal_all, .active_faults = &my_active_faults});
// - heal_all(cluster): undoes every fault on every node of `cluster` through cluster.remote()
//   (it must also clean up faults whose journal entry was written but whose apply never
//   finished), is idempotent, never throws, and returns what it did; complete=false when some
//   node could not be healed (the journal then keeps what is left).
// - active_faults(cluster): one human-readable line per fault still in effect per the journal.
//
// Without registered hooks, `cluster heal` reports an error if the journal is not empty (it
// cannot undo faults it does not understand) and succeeds when there is nothing to heal.
#pragma once
#include <string>
#include <vector>

namespace faultline::control {

class Cluster;

struct HealReport {
  bool complete = true;            // false: something could not be healed (see lines)
  std::vector<std::string> lines;  // what was done, one line per action or failure
};

struct FaultHooks {
  HealReport (*heal_all)(Cluster& cluster) = nullptr;
  std::vector<std::string> (*active_faults)(Cluster& cluster) = nullptr;
};

// Replaces the registered hooks (last registration wins).
void register_fault_hooks(const FaultHooks& hooks);
// The registered hooks; members are nullptr when no nemesis registered.
const FaultHooks& fault_hooks();

struct FaultHooksRegistrar {
  explicit FaultHooksRegistrar(const FaultHooks& hooks) { register_fault_hooks(hooks); }
};

// True when the cluster's journal file exists and holds at least one non-blank line.
bool fault_journal_has_entries(const Cluster& cluster);

}  // namespace faultline::control
