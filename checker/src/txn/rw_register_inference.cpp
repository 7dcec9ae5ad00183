// Read-write register dependency inference (Elle, section 4.3).
//
// Written values are unique per key, so a read names the write it saw. Version orders are
// partial and come from two sources, as in Elle: the initial state (nil precedes every written
// version) and writes-follow-reads within a txn (a txn that read k=a and then wrote k=b installs
// b after a). Each version-order edge a < b gives ww writer(a) -> writer(b) and rw
// reader(a) -> writer(b); each external read gives wr writer -> reader. Only a txn's final write
// to a key installs a version; reading an earlier one is G1b.
#include <algorithm>
#include <string>
#include <tuple>

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

}  // namespace

void infer_rw_register(const TxnHistory& th, DepGraph& g, Findings& out) {
  g.num_txns = static_cast<uint32_t>(th.txns.size());
  Facts facts = scan(th, out);
  const size_t nk = th.key_names.size();

  // Writes by (key, value) -> mop; external reads by (key, value) -> mops.
  std::vector<std::tuple<uint32_t, int64_t, uint32_t>> writes, reads;
  for (uint32_t i = 0; i < th.mops.size(); ++i) {
    const Mop& m = th.mops[i];
    if (m.kind == MopKind::Write) writes.emplace_back(m.key, m.value, i);
    if (m.kind == MopKind::Read && facts.external[i]) reads.emplace_back(m.key, m.value, i);
  }
  std::sort(writes.begin(), writes.end());
  std::sort(reads.begin(), reads.end());
  for (size_t i = 0; i + 1 < writes.size(); ++i) {
    if (std::get<0>(writes[i]) == std::get<0>(writes[i + 1]) &&
        std::get<1>(writes[i]) == std::get<1>(writes[i + 1])) {
      out.input_error("value " + th.value_str(std::get<1>(writes[i])) + " is written to key " +
                      th.key_str(std::get<0>(writes[i])) + " twice (" +
                      txn_name(th, th.mops[std::get<2>(writes[i])].txn) + ", " +
                      txn_name(th, th.mops[std::get<2>(writes[i + 1])].txn) +
                      "); rw-register analysis needs unique written values per key");
    }
  }
  auto writer = [&](uint32_t k, int64_t v) -> uint32_t {
    auto it = std::lower_bound(writes.begin(), writes.end(), std::make_tuple(k, v, uint32_t{0}));
    return (it != writes.end() && std::get<0>(*it) == k && std::get<1>(*it) == v)
               ? std::get<2>(*it) : kNoPos;
  };
  auto readers = [&](uint32_t k, int64_t v) {
    auto lo = std::lower_bound(reads.begin(), reads.end(), std::make_tuple(k, v, uint32_t{0}));
    auto hi = std::upper_bound(reads.begin(), reads.end(), std::make_tuple(k, v, kNoPos));
    return std::make_pair(lo, hi);
  };
  auto status = [&](uint32_t mop) { return th.txns[th.mops[mop].txn].status; };
  auto installs = [&](uint32_t w) {
    return w != kNoPos && facts.final_write[w] && status(w) != TxnStatus::Fail;
  };

  // wr edges, G1a, G1b, garbage reads.
  for (const auto& [k, v, rm] : reads) {
    if (v == kNil) continue;
    const uint32_t reader = th.mops[rm].txn;
    const uint32_t w = writer(k, v);
    if (w == kNoPos) {
      Finding fd{"garbage-read", {reader}, ""};
      fd.explanation = txn_name(th, reader) + " read " + th.key_str(k) + "=" + th.value_str(v) +
                       ", but no transaction ever wrote that value";
      out.add(std::move(fd));
      continue;
    }
    const uint32_t wt = th.mops[w].txn;
    if (wt == reader) continue;
    if (status(w) == TxnStatus::Fail) {
      Finding fd{"G1a", {reader, wt}, ""};
      fd.explanation = txn_name(th, reader) + " read " + th.key_str(k) + "=" + th.value_str(v) +
                       ", written by " + txn_name(th, wt) + ", which aborted";
      out.add(std::move(fd));
      continue;
    }
    if (!facts.final_write[w]) {
      Finding fd{"G1b", {reader, wt}, ""};
      fd.explanation = txn_name(th, reader) + " read " + th.key_str(k) + "=" + th.value_str(v) +
                       ", an intermediate write of " + txn_name(th, wt) +
                       ", which wrote " + th.key_str(k) + " again afterwards";
      out.add(std::move(fd));
      continue;
    }
    g.add(wt, reader, kWR, w, rm);
  }

  // Version-order edges a < b: initial state, then writes-follow-reads.
  auto version_edge = [&](uint32_t k, int64_t a, uint32_t b_mop) {
    const uint32_t bt = th.mops[b_mop].txn;
    if (a != kNil) {
      const uint32_t aw = writer(k, a);
      if (installs(aw)) g.add(th.mops[aw].txn, bt, kWW, aw, b_mop);
    }
    auto [lo, hi] = readers(k, a);
    for (auto it = lo; it != hi; ++it) {
      const uint32_t rm = std::get<2>(*it);
      g.add(th.mops[rm].txn, bt, kRW, rm, b_mop);
    }
  };
  for (const auto& [k, v, w] : writes)
    if (installs(w)) version_edge(k, kNil, w);
  std::vector<uint32_t> vsrc, vdst;  // version graph over write mops, for cyclic-versions
  for (const auto& x : facts.wfr) {
    if (x.read_value == kNil || !installs(x.write_mop) || th.txns[x.txn].status != TxnStatus::Ok)
      continue;
    const uint32_t aw = writer(x.key, x.read_value);
    if (aw != kNoPos && th.mops[aw].txn == x.txn) continue;  // its own write: future-read
    version_edge(x.key, x.read_value, x.write_mop);
    if (aw != kNoPos) {
      vsrc.push_back(aw);
      vdst.push_back(x.write_mop);
    }
  }
  const auto vg = graph::CsrDigraph::build(static_cast<uint32_t>(th.mops.size()), vsrc.data(),
                                           vdst.data(), vsrc.size(), [](size_t) { return true; });
  std::vector<uint32_t> nodes;
  for (uint32_t x : vsrc) nodes.push_back(x);
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  if (!nodes.empty()) {
    graph::SccScratch scratch(vg.num_nodes);
    std::vector<uint32_t> comp(vg.num_nodes, 0);
    auto all = [](uint32_t) { return true; };
    const uint32_t nc = graph::strongly_connected_components(vg, nodes, all, all, scratch, comp);
    for (const auto& c : graph::cyclic_components(vg, nodes, comp, nc, all)) {
      Finding fd{"cyclic-versions", {}, ""};
      std::string vals;
      for (uint32_t w : c) {
        fd.txns.push_back(th.mops[w].txn);
        vals += (vals.empty() ? "" : ", ") + th.value_str(th.mops[w].value) + " (" +
                txn_name(th, th.mops[w].txn) + ")";
      }
      fd.explanation = "the versions of " + th.key_str(th.mops[c[0]].key) + " " + vals +
                       " each follow another: transactions read one and then wrote the next, "
                       "in a circle";
      out.add(std::move(fd));
    }
  }

  // Lost update: committed txns that read the same version and both wrote the key.
  std::vector<std::tuple<uint32_t, int64_t, uint32_t, uint32_t>> lu;  // key, value, txn, read
  for (const auto& x : facts.wfr)
    if (th.txns[x.txn].status == TxnStatus::Ok) lu.emplace_back(x.key, x.read_value, x.txn, x.read_mop);
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
        names += (x > i ? (x + 1 == j ? " and " : ", ") : "") + txn_name(th, std::get<2>(lu[x]));
      }
      fd.explanation = names + " all read " + th.key_str(std::get<0>(lu[i])) + "=" +
                       th.value_str(std::get<1>(lu[i])) +
                       " and each wrote it; all but one of those writes were lost";
      out.add(std::move(fd));
    }
    i = j;
  }
  (void)nk;
}

}  // namespace faultline::checker::txn
