// Independent brute-force oracle for the queue workload's linearizability sub-check (tests
// only; shares no code with checker/ or the workload), written from the workload's contract
// (queue_workload.cpp header): the main phase (enqueue / dequeue; drains left out) must be
// linearizable as a multiset queue that starts empty. An ok op takes effect once between its
// invocation and completion; a failed op never; an info or pending op at most once, any time
// after its invocation, its output unknown (an info dequeue's "maybe" is not used). An ok
// dequeue of x removes one x; an ok dequeue of null saw the queue empty, unless it completed
// after some drain was invoked (a drain may have emptied the queue): then its output is unknown.
// A dequeue of unknown output removes any one element present (nothing if the queue is empty).
// Decided by depth-first search over linearisations with memoised failed (placed, contents);
// exponential, meant for <= ~16 main-phase ops. Values are integers.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "faultline/core/history.h"

namespace faultline::workloads::testing::queue_oracle {

struct QOp {
  bool enqueue = false;
  bool required = false;   // ok: must take effect
  bool known = false;      // dequeue output known
  bool after_drain = false;  // an ok empty dequeue completed after a drain began (unknown)
  int64_t taken = -1;      // known dequeue: the element, or -1 for "saw empty"
  int64_t value = 0;       // enqueue: the element
  size_t invoke = 0, complete = SIZE_MAX;  // SIZE_MAX: info / pending (no deadline)
};

inline std::vector<QOp> main_phase(const History& h) {
  std::vector<QOp> out;
  std::map<int64_t, size_t> open;  // process -> invocation position
  size_t first_drain = SIZE_MAX;
  std::vector<std::pair<size_t, size_t>> pairs;  // invocation, completion (SIZE_MAX: none)
  for (size_t i = 0; i < h.size(); ++i) {
    if (h[i].type == OpType::Invoke) {
      open[h[i].process] = i;
      if (h[i].f == "drain") first_drain = std::min(first_drain, i);
    } else {
      pairs.emplace_back(open.at(h[i].process), i);
      open.erase(h[i].process);
    }
  }
  for (const auto& [p, i] : open) pairs.emplace_back(i, SIZE_MAX);
  for (const auto& [i, c] : pairs) {
    const Op& inv = h[i];
    const OpType type = c == SIZE_MAX ? OpType::Info : h[c].type;
    if (inv.f == "drain" || type == OpType::Fail) continue;
    QOp q;
    q.enqueue = inv.f == "enqueue";
    q.invoke = i;
    q.required = type == OpType::Ok;
    q.complete = q.required ? c : SIZE_MAX;
    if (q.enqueue) {
      q.value = inv.value.get<int64_t>();
    } else if (q.required) {
      const Json& v = h[c].value;
      q.known = !v.is_null() || c < first_drain;
      q.taken = v.is_null() ? -1 : v.get<int64_t>();
      if (!q.known) q.required = false, q.complete = SIZE_MAX, q.after_drain = true;
    }
    out.push_back(q);
  }
  return out;
}

inline bool linearizable(const std::vector<QOp>& ops) {
  const size_t n = ops.size();
  std::set<std::pair<uint32_t, std::vector<int64_t>>> failed;
  std::function<bool(uint32_t, const std::vector<int64_t>&)> dfs =
      [&](uint32_t placed, const std::vector<int64_t>& q) -> bool {
    bool done = true;
    for (size_t e = 0; e < n; ++e)
      if (ops[e].required && !(placed >> e & 1)) done = false;
    if (done) return true;
    if (failed.count({placed, q})) return false;
    for (size_t e = 0; e < n; ++e) {
      if (placed >> e & 1) continue;
      bool may = true;  // no unplaced ok op completed before e was invoked
      for (size_t f = 0; f < n && may; ++f)
        if (f != e && !(placed >> f & 1) && ops[f].complete < ops[e].invoke) may = false;
      if (!may) continue;
      const QOp& o = ops[e];
      std::vector<std::vector<int64_t>> nexts;
      if (o.enqueue) {
        nexts.push_back(q);
        nexts.back().push_back(o.value);
      } else if (o.known && o.taken < 0) {
        if (q.empty()) nexts.push_back(q);
      } else if (o.known) {
        auto it = std::find(q.begin(), q.end(), o.taken);
        if (it != q.end()) nexts.push_back(q), nexts.back().erase(nexts.back().begin() + (it - q.begin()));
      } else if (q.empty()) {
        nexts.push_back(q);
      } else {
        for (size_t k = 0; k < q.size(); ++k)
          nexts.push_back(q), nexts.back().erase(nexts.back().begin() + static_cast<long>(k));
      }
      for (auto& next : nexts) {
        std::sort(next.begin(), next.end());
        if (dfs(placed | 1u << e, next)) return true;
      }
    }
    failed.insert({placed, q});
    return false;
  };
  return dfs(0, {});
}

inline bool main_phase_linearizable(const History& h) { return linearizable(main_phase(h)); }

}  // namespace faultline::workloads::testing::queue_oracle
