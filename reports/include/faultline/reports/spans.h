// The shape of a history that reports draw: client operations as spans (invocation to
// completion) on lanes, and fault windows from the nemesis ops.
//
// Spans: one per client invocation, in invocation order. `lane` is a dense index of the
// invocation's logical process (History::logical_process, so a process id reused after `info`
// gets its own lane), lanes numbered in order of first appearance. `end_ns` is the completion's
// time, or -1 when the op never completed (outcome Pending). Times are ns since the start of the
// history; ops without a recorded time get their history position (1 µs apart) instead, so
// histories from other tools still draw in order.
//
// Fault windows: a nemesis op whose f starts with "start" opens a window of kind = the rest of f
// ("start-partition" -> "partition", "start" -> "fault"); one starting with "stop" closes the
// oldest open window of that kind (or any, for a bare "stop"); "heal" closes every open window.
// A window runs from the opening op's invocation time to the closing op's completion time; a
// window still open at the end of the history ends at the last op's time (`open_at_end`).
// Nemesis ops that open nothing (e.g. "heal" itself) are kept as `nemesis_ops` (instants).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultline/core/history.h"

namespace faultline::reports {

enum class Outcome : uint8_t { Ok, Fail, Info, Pending };
const char* outcome_name(Outcome o);

struct Span {
  int64_t invoke_pos = -1;    // position in History::ops()
  int64_t complete_pos = -1;  // -1: never completed
  int32_t lane = 0;
  int64_t start_ns = 0;
  int64_t end_ns = -1;
  Outcome outcome = Outcome::Pending;
};

struct FaultWindow {
  std::string kind;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  int64_t open_pos = -1;   // position of the opening nemesis op
  int64_t close_pos = -1;  // position of the closing op; -1 when open at the end
  bool open_at_end = false;
};

struct HistoryView {
  std::vector<Span> spans;
  std::vector<int64_t> lane_process;  // lane -> process id shown (the original id)
  std::vector<FaultWindow> windows;
  std::vector<int64_t> nemesis_ops;   // positions of nemesis ops not opening a window
  std::vector<int64_t> op_time_ns;    // per history position: the time used for drawing
  int64_t end_ns = 0;                 // last time of any op
};

// `h` must be paired (History::pair). Pure function.
HistoryView make_view(const History& h);

// Fault windows overlapping [from_ns, to_ns] (indexes into view.windows).
std::vector<size_t> windows_overlapping(const HistoryView& v, int64_t from_ns, int64_t to_ns);

}  // namespace faultline::reports
