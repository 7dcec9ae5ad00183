// Nemesis: starts and stops faults on a cluster's nodes and guarantees they can be healed.
//
//   setup()    heals whatever an earlier (possibly crashed) run left in the journal.
//   start()    resolves targets (seeded), journals every node step BEFORE applying it, applies.
//   stop()     undoes one started fault (by id, or every active fault of a kind).
//   heal_all() idempotent, never throws: undoes every outstanding journaled step (newest first),
//              then sweeps every node (our iptables chain, our tc qdiscs, our helper daemons,
//              clock offset files) and verifies nothing is left; errors are collected and
//              returned. Journals `healed` only when everything succeeded.
// The Nemesis does not own the Remotes. Not thread-safe: one caller at a time.
#pragma once
#include <string>
#include <vector>

#include "faultline/nemesis/fault.h"
#include "faultline/nemesis/journal.h"

namespace faultline::nemesis {

struct HealReport {
  std::vector<std::string> errors;  // "node: what (command: ...)"
  int64_t steps_undone = 0;
  bool ok() const { return errors.empty(); }
};

struct StartedFault {
  std::string fault_id;
  std::vector<std::string> nodes;  // nodes a step was applied on
  Json value;                      // description for the history op
};

class Nemesis {
 public:
  Nemesis(std::vector<NodeHandle> nodes, SystemHooks hooks, NemesisConfig config);

  HealReport setup();
  StartedFault start(const FaultSpec& given);
  // `what` is a fault id ("partition-2") or a kind ("partition": every active one).
  // Throws std::invalid_argument when nothing matches, FaultError when an undo fails.
  std::vector<std::string> stop(const std::string& what);
  HealReport heal_all() noexcept;
  std::vector<ActiveFault> active() const { return journal_.active(); }
  Journal& journal() { return journal_; }
  const std::vector<NodeHandle>& nodes() const { return nodes_; }

 private:
  class Context;
  void undo_step(const UndoStep& step);
  std::vector<NodeHandle> nodes_;
  SystemHooks hooks_;
  NemesisConfig config_;
  Journal journal_;
};

}  // namespace faultline::nemesis
