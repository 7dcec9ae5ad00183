// Read-write register dependency inference (Elle, section 4.3).
//
// Written values are unique per key, so a read names the write it saw. Version orders are
// partial and come from two sources, as in Elle: the initial state (nil precedes every written
// version) and writes-follow-reads within a txn (a txn that read k=a and then wrote k=b installs
// b after a). Each version-order edge a < b gives ww writer(a) -> writer(b) and rw
// reader(a) -> writer(b); each external read gives wr writer -> reader. Only a txn's final write
// to a key installs a version; reading an earlier one is G1b. Optionally, process order
// (sequential_keys) or real-time order (linearizable_keys) orders the versions txns observe, as
// Elle's :sequential-keys / :linearizable-keys.
#include <algorithm>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "dependency_graph.h"
#include "faultline/checker/graph/csr_digraph.h"

namespace faultline::checker::txn {

namespace {

struct Facts {
  std::vector<uint8_t> final_write;   // per mop
  std::vector<uint8_t> external;      // per mop: read is the txn's first access of its key
  struct Wfr { uint32_t key; int64_t read_value; uint32_t read_mop, write_mop, txn; };
  std::vector<Wfr> wfr;               // external read then final write of the same key
};

Facts scan(const TxnHistory& th, Findings& out) {
  Facts f;
  f.final_write.assign(th.mops.size(), 0);
  f.external.assign(th.mops.size(), 0);
  struct KeyState { uint32_t key; int64_t value = kNil; bool known = false; bool wrote = false;
                    uint32_t ext_read = kNoPos; uint32_t final_write = kNoPos; };
  std::vector<KeyState> states;
  for (uint32_t t = 0; t < th.txns.size(); ++t) {
    const Txn& tx = th.txns[t];
    states.clear();
    auto state_of = [&](uint32_t key) -> KeyState& {
      for (auto& s : states)
        if (s.key == key) return s;
      states.emplace_back();
      states.back().key = key;
      return states.back();
    };
    for (uint32_t i = tx.mop_end; i-- > tx.mop_begin;) {
      const Mop& m = th.mops[i];
      if (m.kind != MopKind::Write) continue;
      KeyState& s = state_of(m.key);
      if (s.final_write == kNoPos) {
        s.final_write = i;
        f.final_write[i] = 1;
      }
    }
    states.clear();
    for (uint32_t i = tx.mop_begin; i < tx.mop_end; ++i) {
      const Mop& m = th.mops[i];
      KeyState& s = state_of(m.key);
      if (m.kind == MopKind::Write) {
        s.value = m.value;
        s.known = true;
        s.wrote = true;
        if (f.final_write[i] && s.ext_read != kNoPos)
          f.wfr.push_back({m.key, th.mops[s.ext_read].value, s.ext_read, i, t});
        continue;
      }
      if (m.kind != MopKind::Read || !m.known) continue;
      for (uint32_t j = i + 1; j < tx.mop_end; ++j) {
        const Mop& later = th.mops[j];
        if (later.kind == MopKind::Write && later.key == m.key && later.value == m.value &&
            m.value != kNil) {
          Finding fd{"future-read", {t}, ""};
          fd.explanation = txn_name(th, t) + " read " + th.key_str(m.key) + "=" +
                           th.value_str(m.value) +
                           ", a value it writes only later in the same transaction";
          out.add(std::move(fd));
          break;
        }
      }
      if (s.known) {
        if (m.value != s.value) {
          Finding fd{"internal", {t}, ""};
          fd.explanation = txn_name(th, t) + " read " + th.key_str(m.key) + "=" +
                           th.value_str(m.value) + ", but its own earlier " +
                           (s.wrote ? "write" : "read") + " implies " + th.value_str(s.value);
          out.add(std::move(fd));
        }
        continue;
      }
      s.known = true;
      s.value = m.value;
      s.ext_read = i;
      f.external[i] = 1;
    }
  }
  return f;
}


// The inference as named steps over shared indexes: writes and external reads by (key, value).
class RwRegisterInference {
 public:
  RwRegisterInference(const TxnHistory& th, DepGraph& g, Findings& out)
      : th_(th), g_(g), out_(out), facts_(scan(th, out)) {}

  void run(bool sequential_keys, bool linearizable_keys) {
    index_writes_and_reads();
    wr_edges();
    initial_state_versions();
    writes_follow_reads_versions();
    if (sequential_keys) sequential_key_versions();
    if (linearizable_keys) linearizable_key_versions();
    report_cyclic_versions();
    report_lost_updates();
  }

 private:
  using KeyValueMop = std::tuple<uint32_t, int64_t, uint32_t>;

  TxnStatus status(uint32_t mop) const { return th_.txns[th_.mops[mop].txn].status; }
  bool installs(uint32_t w) const {
    return w != kNoPos && facts_.final_write[w] && status(w) != TxnStatus::Fail;
  }
  uint32_t writer(uint32_t k, int64_t v) const {
    auto it = std::lower_bound(writes_.begin(), writes_.end(), std::make_tuple(k, v, uint32_t{0}));
    return (it != writes_.end() && std::get<0>(*it) == k && std::get<1>(*it) == v)
               ? std::get<2>(*it) : kNoPos;
  }

  // Writes by (key, value) -> mop; external reads by (key, value) -> mops; unique values.
  void index_writes_and_reads() {
    for (uint32_t i = 0; i < th_.mops.size(); ++i) {
      const Mop& m = th_.mops[i];
      if (m.kind == MopKind::Write) writes_.emplace_back(m.key, m.value, i);
      if (m.kind == MopKind::Read && facts_.external[i]) reads_.emplace_back(m.key, m.value, i);
    }
    std::sort(writes_.begin(), writes_.end());
    std::sort(reads_.begin(), reads_.end());
    for (size_t i = 0; i + 1 < writes_.size(); ++i) {
      const auto& [k, v, a] = writes_[i];
      const auto& [k2, v2, b] = writes_[i + 1];
      if (k != k2 || v != v2) continue;
      out_.input_error("value " + th_.value_str(v) + " is written to key " + th_.key_str(k) +
                       " twice (" + txn_name(th_, th_.mops[a].txn) + ", " +
                       txn_name(th_, th_.mops[b].txn) +
                       "); rw-register analysis needs unique written values per key");
    }
  }

  // wr edges, G1a, G1b, garbage reads.
  void wr_edges() {
    for (const auto& [k, v, rm] : reads_) {
      if (v == kNil) continue;
      const uint32_t reader = th_.mops[rm].txn;
      const uint32_t w = writer(k, v);
      const std::string read = txn_name(th_, reader) + " read " + th_.key_str(k) + "=" +
                               th_.value_str(v);
      if (w == kNoPos) {
        out_.add(Finding("garbage-read", {reader},
                         read + ", but no transaction ever wrote that value"));
        continue;
      }
      const uint32_t wt = th_.mops[w].txn;
      if (wt == reader) continue;
      if (status(w) == TxnStatus::Fail) {
        out_.add(Finding("G1a", {reader, wt},
                         read + ", written by " + txn_name(th_, wt) + ", which aborted"));
        continue;
      }
      if (!facts_.final_write[w]) {
        out_.add(Finding("G1b", {reader, wt},
                         read + ", an intermediate write of " + txn_name(th_, wt) +
                             ", which wrote " + th_.key_str(k) + " again afterwards"));
        continue;
      }
      g_.add(wt, reader, kWR, w, rm);
    }
  }

  // Version a < b (b installed by b_mop): ww writer(a) -> writer(b), rw reader(a) -> writer(b).
  void version_edge(uint32_t k, int64_t a, uint32_t b_mop) {
    const uint32_t bt = th_.mops[b_mop].txn;
    if (a != kNil) {
      const uint32_t aw = writer(k, a);
      if (installs(aw)) g_.add(th_.mops[aw].txn, bt, kWW, aw, b_mop);
    }
    auto lo = std::lower_bound(reads_.begin(), reads_.end(), std::make_tuple(k, a, uint32_t{0}));
    auto hi = std::upper_bound(reads_.begin(), reads_.end(), std::make_tuple(k, a, kNoPos));
    for (auto it = lo; it != hi; ++it) {
      const uint32_t rm = std::get<2>(*it);
      g_.add(th_.mops[rm].txn, bt, kRW, rm, b_mop);
    }
  }

  // a < b from writes-follow-reads or key order; each distinct pair once, kept in the version
  // graph for cyclic-versions.
  void ordered(uint32_t k, int64_t a, uint32_t b_mop) {
    const uint32_t aw = writer(k, a);
    if (aw == b_mop || (aw != kNoPos && !installs(aw))) return;
    if (!done_versions_.insert((uint64_t{aw} << 32) | b_mop).second) return;
    version_edge(k, a, b_mop);
    if (aw != kNoPos) {
      vsrc_.push_back(aw);
      vdst_.push_back(b_mop);
    }
  }

  // Initial state: nil precedes every installed version, so a read of nil (the initial state)
  // comes before every txn that installed a version of the key — including a key written once.
  void initial_state_versions() {
    for (const auto& [k, v, w] : writes_)
      if (installs(w)) version_edge(k, kNil, w);
  }

  // A committed txn that read k=a and then wrote k=b installed b after a.
  void writes_follow_reads_versions() {
    for (const auto& x : facts_.wfr) {
      if (x.read_value == kNil || !installs(x.write_mop) ||
          th_.txns[x.txn].status != TxnStatus::Ok)
        continue;
      const uint32_t aw = writer(x.key, x.read_value);
      if (aw != kNoPos && th_.mops[aw].txn == x.txn) continue;  // its own write: future-read
      ordered(x.key, x.read_value, x.write_mop);
    }
  }

  // Last version of each key a committed txn observed (read) or installed (wrote).
  std::vector<std::pair<uint32_t, int64_t>> observed(uint32_t t) const {
    std::vector<std::pair<uint32_t, int64_t>> kv;
    const Txn& tx = th_.txns[t];
    for (uint32_t i = tx.mop_begin; i < tx.mop_end; ++i) {
      const Mop& m = th_.mops[i];
      if (m.kind != MopKind::Write && !(m.kind == MopKind::Read && m.known)) continue;
      auto it = std::find_if(kv.begin(), kv.end(), [&](const auto& p) { return p.first == m.key; });
      if (it == kv.end()) kv.emplace_back(m.key, m.value); else it->second = m.value;
    }
    return kv;
  }

  // Elle's "sequential-keys": each key is sequentially consistent on its own, so the versions
  // one process observes or installs, txn after txn, only move forward.
  void sequential_key_versions() {
    std::unordered_map<int64_t, std::unordered_map<uint32_t, int64_t>> last_seen;
    for (uint32_t t = 0; t < th_.txns.size(); ++t) {
      const Txn& tx = th_.txns[t];
      if (tx.status != TxnStatus::Ok || tx.process == kNoProcess) continue;
      auto& seen = last_seen[tx.process];
      for (const auto& [k, v] : observed(t)) {
        auto it = seen.find(k);
        if (it != seen.end() && it->second != v && v != kNil) {
          const uint32_t bw = writer(k, v);
          if (installs(bw)) ordered(k, it->second, bw);
        }
        seen[k] = v;
      }
    }
  }

  // Elle's "linearizable-keys": if T1 completed before T2 was invoked and both observed k,
  // T2's version of k is not older than T1's. As for real-time edges, a transitive reduction
  // suffices: per key, a frontier of completed observers no later completed observer follows.
  void linearizable_key_versions() {
    struct Ev { uint32_t pos, txn; bool complete; };
    std::vector<Ev> evs;
    for (uint32_t t = 0; t < th_.txns.size(); ++t) {
      if (th_.txns[t].status != TxnStatus::Ok) continue;
      evs.push_back({th_.txns[t].invoke_pos, t, false});
      evs.push_back({th_.txns[t].complete_pos, t, true});
    }
    std::sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) { return a.pos < b.pos; });
    // key -> frontier (txn, version); (txn, key) -> frontier txns at its invocation.
    std::unordered_map<uint32_t, std::vector<std::pair<uint32_t, int64_t>>> frontier;
    std::unordered_map<uint64_t, std::vector<uint32_t>> preds;
    for (const Ev& ev : evs) {
      for (const auto& [k, v] : observed(ev.txn)) {
        auto& f = frontier[k];
        const uint64_t id = (uint64_t{ev.txn} << 32) | k;
        if (!ev.complete) {
          auto& pr = preds[id];
          for (const auto& [p, pv] : f) {
            pr.push_back(p);
            if (pv == v || v == kNil) continue;
            const uint32_t bw = writer(k, v);
            if (installs(bw)) ordered(k, pv, bw);
          }
          continue;
        }
        const auto& pr = preds[id];
        f.erase(std::remove_if(f.begin(), f.end(), [&](const auto& e) {
                  return std::find(pr.begin(), pr.end(), e.first) != pr.end();
                }), f.end());
        f.emplace_back(ev.txn, v);
        preds.erase(id);
      }
    }
  }

  // Cycles in the version graph: the inferred version orders contradict each other.
  void report_cyclic_versions() {
    std::vector<uint32_t> nodes(vsrc_.begin(), vsrc_.end());
    std::sort(nodes.begin(), nodes.end());
    nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
    if (nodes.empty()) return;
    const auto vg = graph::CsrDigraph::build(static_cast<uint32_t>(th_.mops.size()),
                                             vsrc_.data(), vdst_.data(), vsrc_.size(),
                                             [](size_t) { return true; });
    graph::SccScratch scratch(vg.num_nodes);
    std::vector<uint32_t> comp(vg.num_nodes, 0);
    auto all = [](uint32_t) { return true; };
    const uint32_t nc = graph::strongly_connected_components(vg, nodes, all, all, scratch, comp);
    for (const auto& c : graph::cyclic_components(vg, nodes, comp, nc, all)) {
      Finding fd{"cyclic-versions", {}, ""};
      std::string vals;
      for (uint32_t w : c) {
        fd.txns.push_back(th_.mops[w].txn);
        vals += (vals.empty() ? "" : ", ") + th_.value_str(th_.mops[w].value) + " (" +
                txn_name(th_, th_.mops[w].txn) + ")";
      }
      fd.explanation = "the versions of " + th_.key_str(th_.mops[c[0]].key) + " " + vals +
                       " each follow another: transactions read one and then wrote the next, "
                       "in a circle";
      out_.add(std::move(fd));
    }
  }

  // Lost update: committed txns that read the same version and both wrote the key.
  void report_lost_updates() {
    std::vector<std::tuple<uint32_t, int64_t, uint32_t>> lu;  // key, value, txn
    for (const auto& x : facts_.wfr)
      if (th_.txns[x.txn].status == TxnStatus::Ok) lu.emplace_back(x.key, x.read_value, x.txn);
    std::sort(lu.begin(), lu.end());
    for (size_t i = 0; i < lu.size();) {
      size_t j = i + 1;
      while (j < lu.size() && std::get<0>(lu[j]) == std::get<0>(lu[i]) &&
             std::get<1>(lu[j]) == std::get<1>(lu[i]))
        ++j;
      if (j - i >= 2) {
        Finding fd{"lost-update", {}, ""};
        std::string names;
        for (size_t x = i; x < j; ++x) {
          fd.txns.push_back(std::get<2>(lu[x]));
          names += (x > i ? (x + 1 == j ? " and " : ", ") : "") + txn_name(th_, std::get<2>(lu[x]));
        }
        fd.explanation = names + " all read " + th_.key_str(std::get<0>(lu[i])) + "=" +
                         th_.value_str(std::get<1>(lu[i])) +
                         " and each wrote it; all but one of those writes were lost";
        out_.add(std::move(fd));
      }
      i = j;
    }
  }

  const TxnHistory& th_;
  DepGraph& g_;
  Findings& out_;
  const Facts facts_;
  std::vector<KeyValueMop> writes_, reads_;
  std::vector<uint32_t> vsrc_, vdst_;  // version graph over write mops
  std::unordered_set<uint64_t> done_versions_;
};

}  // namespace

void infer_rw_register(const TxnHistory& th, DepGraph& g, Findings& out, bool sequential_keys,
                       bool linearizable_keys) {
  g.num_txns = static_cast<uint32_t>(th.txns.size());
  RwRegisterInference(th, g, out).run(sequential_keys, linearizable_keys);
}

}  // namespace faultline::checker::txn
