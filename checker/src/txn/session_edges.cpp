// Process and real-time edges for the session and strict variants of the isolation models.
#include <algorithm>
#include <unordered_map>

#include "dependency_graph.h"

namespace faultline::checker::txn {

void add_process_edges(const TxnHistory& th, DepGraph& g) {
  std::unordered_map<int64_t, uint32_t> last;
  for (uint32_t t = 0; t < th.txns.size(); ++t) {
    const Txn& tx = th.txns[t];
    if (tx.process == kNoProcess || tx.status == TxnStatus::Fail) continue;
    auto [it, fresh] = last.try_emplace(tx.process, t);
    if (!fresh) {
      g.add(it->second, t, kProcess, kNoPos, kNoPos);
      it->second = t;
    }
  }
}

// Real-time order restricted to its transitive reduction, as Elle does: a frontier holds the
// completed txns no completed txn is known to follow yet. An invocation gets an edge from each
// frontier member; a completion removes its own predecessors from the frontier (anything later
// reaches them through it) and joins it. With c clients the frontier holds about c txns, so
// the edge count is about n * c instead of n^2. Aborted txns take no part; indeterminate ones
// never complete, so nothing follows them in real time.
void add_realtime_edges(const TxnHistory& th, DepGraph& g, bool skip_same_process) {
  struct Event { uint32_t pos; uint32_t txn; bool complete; };
  std::vector<Event> events;
  events.reserve(th.txns.size() * 2);
  for (uint32_t t = 0; t < th.txns.size(); ++t) {
    const Txn& tx = th.txns[t];
    if (tx.status == TxnStatus::Fail) continue;
    events.push_back({tx.invoke_pos, t, false});
    if (tx.status == TxnStatus::Ok) events.push_back({tx.complete_pos, t, true});
  }
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.pos < b.pos; });
  std::vector<uint32_t> frontier;
  std::vector<uint8_t> in_frontier(th.txns.size(), 0);
  // preds[pred_begin[t] .. pred_end[t]) = the frontier when t was invoked.
  std::vector<uint32_t> preds, pred_begin(th.txns.size(), 0), pred_end(th.txns.size(), 0);
  for (const Event& ev : events) {
    if (!ev.complete) {
      size_t keep = 0;
      pred_begin[ev.txn] = static_cast<uint32_t>(preds.size());
      for (uint32_t p : frontier) {
        if (!in_frontier[p]) continue;
        frontier[keep++] = p;
        preds.push_back(p);
        // Same process: process order already says so; keeping the edge would report every
        // "-process" cycle a second time as "-realtime".
        const int64_t proc = th.txns[p].process;
        if (!skip_same_process || proc == kNoProcess || proc != th.txns[ev.txn].process)
          g.add(p, ev.txn, kRealtime, kNoPos, kNoPos);
      }
      frontier.resize(keep);
      pred_end[ev.txn] = static_cast<uint32_t>(preds.size());
    } else {
      for (uint32_t i = pred_begin[ev.txn]; i < pred_end[ev.txn]; ++i) in_frontier[preds[i]] = 0;
      in_frontier[ev.txn] = 1;
      frontier.push_back(ev.txn);
    }
  }
}

}  // namespace faultline::checker::txn
