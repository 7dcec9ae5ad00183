// Journal: the on-disk record of every fault step, written BEFORE the step is applied, so a
// control process killed with SIGKILL mid-fault leaves enough behind for `faultline nemesis heal`
// / `faultline cluster heal` to undo it.
//
// Format: JSON Lines, one record per line, each written with one write(2) on an O_APPEND fd and
// fsync'ed before append() returns. Records ("event" field):
//   start   {fault, kind, spec, nodes}        a fault was started (for status)
//   apply   {fault, kind, node, step, undo}   about to apply one node step; `undo` says how to undo it
//   undone  {fault, node, step}               that step was undone
//   stop    {fault}                           the fault was stopped (all its steps undone)
//   healed  {}                                heal_all succeeded: nothing before this is outstanding
// A torn last line (crash mid-write) is ignored when reading; any other bad line is an error.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace faultline::nemesis {

using Json = nlohmann::json;

struct UndoStep {
  std::string fault_id;
  std::string kind;
  std::string node;
  int64_t step = 0;
  Json undo;  // kind-specific, see the fault's file
};

struct ActiveFault {
  std::string fault_id;
  std::string kind;
  Json spec;
  std::vector<std::string> nodes;
};

class Journal {
 public:
  // Creates the file (and its parent directory) if missing. Throws std::system_error.
  explicit Journal(std::string path);
  const std::string& path() const { return path_; }

  // Appends one record (adds "time_ms", wall clock) and fsyncs. Throws std::system_error.
  void append(Json record);
  // Every record; throws std::runtime_error naming path:line for a corrupt line that is not last.
  std::vector<Json> read_all() const;
  // Apply records after the last `healed` without a matching `undone`, in journal order.
  std::vector<UndoStep> outstanding() const;
  // Started faults after the last `healed` that were not stopped.
  std::vector<ActiveFault> active() const;
  // A fresh id "<kind>-<n>", n one more than the number of `start` records ever written.
  std::string next_fault_id(const std::string& kind) const;

 private:
  std::string path_;
};

}  // namespace faultline::nemesis
