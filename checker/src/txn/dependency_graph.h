// Internal to the transactional checker: the dependency graph between transactions and the
// findings (anomalies) collected while building and searching it.
//
// The graph is a structure of arrays: edge i goes src[i] -> dst[i] with one EdgeType bit, and
// its provenance is two micro-op ids (mop_a in src's txn, mop_b in dst's txn; kNoPos for process
// and real-time edges), from which explanations are rendered only for the edges that end up in
// a reported cycle. Nodes are txn ids of the TxnHistory.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "faultline/checker/txn/txn_history.h"

namespace faultline::checker::txn {

enum EdgeType : uint8_t {
  kWW = 1,        // write-write: b overwrote a's version
  kWR = 2,        // write-read: b read a's version
  kRW = 4,        // read-write (anti-dependency): b overwrote the version a read
  kProcess = 8,   // same process, a before b
  kRealtime = 16  // a completed before b was invoked
};

const char* edge_type_name(uint8_t t);

struct DepGraph {
  uint32_t num_txns = 0;
  std::vector<uint32_t> src, dst, mop_a, mop_b;
  std::vector<uint8_t> type;

  void add(uint32_t a, uint32_t b, uint8_t t, uint32_t ma, uint32_t mb) {
    if (a == b) return;
    src.push_back(a);
    dst.push_back(b);
    type.push_back(t);
    mop_a.push_back(ma);
    mop_b.push_back(mb);
  }
  size_t size() const { return src.size(); }
};

// One anomaly: its name (Elle's vocabulary), the txns involved, a plain-text explanation, and
// for cycles the edge ids in order (plus an SVG rendering added later).
struct Finding {
  Finding() = default;
  Finding(std::string t, std::vector<uint32_t> ts, std::string expl)
      : type(std::move(t)), txns(std::move(ts)), explanation(std::move(expl)) {}
  std::string type;
  std::vector<uint32_t> txns;
  std::string explanation;
  std::vector<uint32_t> cycle_edges;
  Json detail = Json::object();
};

// Bounded collection: at most `cap` findings kept per type, every occurrence counted.
class Findings {
 public:
  explicit Findings(size_t cap) : cap_(cap) {}
  bool wants(const std::string& type) const {
    auto it = counts_.find(type);
    return it == counts_.end() || it->second < cap_;
  }
  void add(Finding f) {
    const size_t n = counts_[f.type]++;
    if (n < cap_) items_.push_back(std::move(f));
  }
  void input_error(std::string msg) { input_errors_.push_back(std::move(msg)); }

  const std::vector<Finding>& items() const { return items_; }
  std::vector<Finding>& items() { return items_; }
  const std::map<std::string, size_t>& counts() const { return counts_; }
  const std::vector<std::string>& input_errors() const { return input_errors_; }

 private:
  size_t cap_;
  std::vector<Finding> items_;
  std::map<std::string, size_t> counts_;
  std::vector<std::string> input_errors_;
};

// Dependency inference; each adds ww/wr/rw edges to g and non-cycle anomalies to out.
void infer_list_append(const TxnHistory& th, DepGraph& g, Findings& out);
void infer_rw_register(const TxnHistory& th, DepGraph& g, Findings& out);
// Session edges: consecutive committed-or-indeterminate txns of one process; real-time edges
// as a transitive reduction of "a completed before b was invoked" (history order).
void add_process_edges(const TxnHistory& th, DepGraph& g);
// skip_same_process: leave out edges that process order already gives.
void add_realtime_edges(const TxnHistory& th, DepGraph& g, bool skip_same_process);

// Cycle search (SCC + shortest cycle per class); sets `incomplete` when the budget ran out.
void find_cycles(const TxnHistory& th, const DepGraph& g, int64_t budget_edges, Findings& out,
                 bool& incomplete);

// Plain-text explanation of one edge ("T2 read x=[1 2], which includes T1's append of 2").
std::string explain_edge(const TxnHistory& th, const DepGraph& g, uint32_t e);
// Graphviz SVG of a cycle (nodes = txns, edges labelled with type and key).
std::string render_cycle_svg(const TxnHistory& th, const DepGraph& g,
                             const std::vector<uint32_t>& cycle_edges);

}  // namespace faultline::checker::txn
