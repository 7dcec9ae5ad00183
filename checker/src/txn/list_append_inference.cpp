// List-append dependency inference (Elle, Kingsbury & Alvaro 2020, section 4).
//
// Each key's version order is its longest committed read; every other read must be a prefix of
// it (else incompatible-order). Appends are unique per key, so a value names the txn that
// appended it. From the order: ww between consecutive appends, wr from the writer of the last
// element a txn read, rw from a reader to the writer of the next element it did not see.
// A txn's external read of a key is its first read of it; when the txn appended before reading,
// its own (suffix) appends are stripped to recover the state it read.
#include <algorithm>
#include <string>

#include "dependency_graph.h"

namespace faultline::checker::txn {

namespace {

struct KeyIndex {
  // CSR by key: appends (value, mop) sorted by value; known reads (mop).
  std::vector<uint32_t> append_off, read_off;
  std::vector<std::pair<int64_t, uint32_t>> appends;
  std::vector<uint32_t> reads;
};

KeyIndex index_by_key(const TxnHistory& th) {
  const size_t nk = th.key_names.size();
  KeyIndex ix;
  ix.append_off.assign(nk + 1, 0);
  ix.read_off.assign(nk + 1, 0);
  for (const Mop& m : th.mops) {
    if (m.kind == MopKind::Append) ++ix.append_off[m.key + 1];
    if (m.kind == MopKind::Read && m.known) ++ix.read_off[m.key + 1];
  }
  for (size_t k = 0; k < nk; ++k) {
    ix.append_off[k + 1] += ix.append_off[k];
    ix.read_off[k + 1] += ix.read_off[k];
  }
  ix.appends.resize(ix.append_off[nk]);
  ix.reads.resize(ix.read_off[nk]);
  std::vector<uint32_t> fa(ix.append_off.begin(), ix.append_off.end() - 1);
  std::vector<uint32_t> fr(ix.read_off.begin(), ix.read_off.end() - 1);
  for (uint32_t i = 0; i < th.mops.size(); ++i) {
    const Mop& m = th.mops[i];
    if (m.kind == MopKind::Append) ix.appends[fa[m.key]++] = {m.value, i};
    if (m.kind == MopKind::Read && m.known) ix.reads[fr[m.key]++] = i;
  }
  for (size_t k = 0; k < nk; ++k)
    std::sort(ix.appends.begin() + ix.append_off[k], ix.appends.begin() + ix.append_off[k + 1]);
  return ix;
}

struct PerTxnFacts {
  std::vector<uint32_t> ext_len;        // per mop: external read length, kNoPos otherwise
  std::vector<uint8_t> final_append;    // per mop: last append of its key in its txn
  struct ReadWrite { uint32_t key, ext_len, txn, read_mop; };
  std::vector<ReadWrite> read_then_append;  // lost-update candidates
};

// One pass over each txn: internal consistency, future reads, external reads.
PerTxnFacts scan_txns(const TxnHistory& th, Findings& out) {
  PerTxnFacts f;
  f.ext_len.assign(th.mops.size(), kNoPos);
  f.final_append.assign(th.mops.size(), 0);
  struct KeyState {
    uint32_t key;
    uint32_t read_mop = kNoPos;     // latest read of the key in this txn
    std::vector<int64_t> appended;  // own appends since that read (or since start)
    uint32_t ext_len = kNoPos;
    uint32_t ext_mop = kNoPos;
    bool appended_any = false;
  };
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
    // Final appends per key (scan backwards).
    for (uint32_t i = tx.mop_end; i-- > tx.mop_begin;) {
      const Mop& m = th.mops[i];
      if (m.kind != MopKind::Append) continue;
      KeyState& s = state_of(m.key);
      if (!s.appended_any) f.final_append[i] = 1;
      s.appended_any = true;
    }
    states.clear();
    if (tx.status != TxnStatus::Ok) continue;
    for (uint32_t i = tx.mop_begin; i < tx.mop_end; ++i) {
      const Mop& m = th.mops[i];
      KeyState& s = state_of(m.key);
      if (m.kind == MopKind::Append) {
        s.appended.push_back(m.value);
        s.appended_any = true;
        continue;
      }
      if (m.kind != MopKind::Read) continue;
      const int64_t* r = th.list(m);
      // Future read: the read shows a value this txn appends only later.
      for (uint32_t j = i + 1; j < tx.mop_end; ++j) {
        const Mop& later = th.mops[j];
        if (later.kind != MopKind::Append || later.key != m.key) continue;
        if (std::find(r, r + m.list_len, later.value) != r + m.list_len) {
          Finding fd{"future-read", {t}, ""};
          fd.explanation = txn_name(th, t) + " read " + th.key_str(m.key) + "=" + th.list_str(m) +
                           ", which includes " + th.value_str(later.value) +
                           ", a value it appends only later in the same transaction";
          out.add(std::move(fd));
          break;
        }
      }
      bool ok = true;
      std::string expected;
      if (s.read_mop != kNoPos) {
        const Mop& prev = th.mops[s.read_mop];
        const int64_t* p = th.list(prev);
        ok = m.list_len == prev.list_len + s.appended.size() &&
             std::equal(p, p + prev.list_len, r) &&
             std::equal(s.appended.begin(), s.appended.end(), r + prev.list_len);
        if (!ok) {
          expected = th.list_str(prev) + " followed by its own appends";
        }
      } else if (!s.appended.empty()) {
        ok = m.list_len >= s.appended.size() &&
             std::equal(s.appended.begin(), s.appended.end(),
                        r + (m.list_len - s.appended.size()));
        if (!ok) expected = "a list ending in its own appends";
        if (ok) {
          s.ext_len = m.list_len - static_cast<uint32_t>(s.appended.size());
          s.ext_mop = i;
        }
      } else {
        s.ext_len = m.list_len;
        s.ext_mop = i;
      }
      if (!ok) {
        Finding fd{"internal", {t}, ""};
        fd.explanation = txn_name(th, t) + " read " + th.key_str(m.key) + "=" + th.list_str(m) +
                         ", but its own earlier operations imply " + expected;
        out.add(std::move(fd));
      }
      s.read_mop = i;
      s.appended.clear();
    }
    for (const KeyState& s : states) {
      if (s.ext_mop == kNoPos) continue;
      f.ext_len[s.ext_mop] = s.ext_len;
      if (s.appended_any) f.read_then_append.push_back({s.key, s.ext_len, t, s.ext_mop});
    }
  }
  return f;
}

std::string short_list(const TxnHistory& th, const Mop& m, uint32_t len) {
  Mop cut = m;
  cut.list_len = len;
  return th.list_str(cut);
}

}  // namespace

void infer_list_append(const TxnHistory& th, DepGraph& g, Findings& out) {
  g.num_txns = static_cast<uint32_t>(th.txns.size());
  const KeyIndex ix = index_by_key(th);
  PerTxnFacts facts = scan_txns(th, out);
  const size_t nk = th.key_names.size();
  std::vector<uint8_t> compatible(nk, 1);
  std::vector<uint32_t> order;         // version order of the current key: append mops
  std::vector<uint32_t> pos_of_mop(th.mops.size(), kNoPos);

  auto status_of_mop = [&](uint32_t m) { return th.txns[th.mops[m].txn].status; };

  for (uint32_t k = 0; k < nk; ++k) {
    const auto a_begin = ix.appends.begin() + ix.append_off[k];
    const auto a_end = ix.appends.begin() + ix.append_off[k + 1];
    for (auto it = a_begin; it + 1 < a_end; ++it) {
      if (it->first == (it + 1)->first) {
        out.input_error("value " + th.value_str(it->first) + " is appended to key " +
                        th.key_str(k) + " by both " + txn_name(th, th.mops[it->second].txn) +
                        " and " + txn_name(th, th.mops[(it + 1)->second].txn) +
                        "; list-append analysis needs unique appended values per key");
      }
    }
    auto writer = [&](int64_t v) -> uint32_t {
      auto it = std::lower_bound(a_begin, a_end, std::make_pair(v, uint32_t{0}));
      return (it != a_end && it->first == v) ? it->second : kNoPos;
    };
    const uint32_t* r_begin = ix.reads.data() + ix.read_off[k];
    const uint32_t* r_end = ix.reads.data() + ix.read_off[k + 1];
    if (r_begin == r_end) continue;
    uint32_t longest = *r_begin;
    for (const uint32_t* r = r_begin; r != r_end; ++r)
      if (th.mops[*r].list_len > th.mops[longest].list_len) longest = *r;
    const Mop& lm = th.mops[longest];
    const int64_t* lv = th.list(lm);

    // Version order from the longest read; garbage and duplicates show up here.
    order.assign(lm.list_len, kNoPos);
    uint32_t first_failed = kNoPos;
    bool dirty_reported = false;
    for (uint32_t i = 0; i < lm.list_len; ++i) {
      const uint32_t w = writer(lv[i]);
      order[i] = w;
      if (w == kNoPos) {
        Finding fd{"garbage-read", {lm.txn}, ""};
        fd.explanation = txn_name(th, lm.txn) + " read " + th.key_str(k) + "=" + th.list_str(lm) +
                         ", but no transaction ever appended " + th.value_str(lv[i]) + " to " +
                         th.key_str(k);
        out.add(std::move(fd));
        continue;
      }
      if (pos_of_mop[w] != kNoPos) {
        Finding fd{"duplicate-elements", {lm.txn}, ""};
        fd.explanation = txn_name(th, lm.txn) + " read " + th.key_str(k) + "=" +
                         th.list_str(lm) + ", which contains " + th.value_str(lv[i]) +
                         " (appended once, by " + txn_name(th, th.mops[w].txn) + ") twice";
        out.add(std::move(fd));
        order[i] = kNoPos;
        continue;
      }
      pos_of_mop[w] = i;
      const TxnStatus st = status_of_mop(w);
      if (st == TxnStatus::Fail && first_failed == kNoPos) first_failed = i;
      if (st != TxnStatus::Fail && first_failed != kNoPos && !dirty_reported) {
        dirty_reported = true;
        const uint32_t fw = order[first_failed];
        Finding fd{"dirty-update", {th.mops[fw].txn, th.mops[w].txn}, ""};
        fd.explanation = "in " + th.key_str(k) + "'s version order " + th.list_str(lm) + ", " +
                         txn_name(th, th.mops[w].txn) + "'s append of " + th.value_str(lv[i]) +
                         " follows " + txn_name(th, th.mops[fw].txn) + "'s append of " +
                         th.value_str(lv[first_failed]) + ", but " +
                         txn_name(th, th.mops[fw].txn) + " aborted";
        out.add(std::move(fd));
      }
    }
    // Every read must be a prefix of the longest.
    for (const uint32_t* r = r_begin; r != r_end; ++r) {
      const Mop& m = th.mops[*r];
      if (std::equal(th.list(m), th.list(m) + m.list_len, lv)) continue;
      compatible[k] = 0;
      Finding fd{"incompatible-order", {m.txn, lm.txn}, ""};
      fd.explanation = txn_name(th, m.txn) + " read " + th.key_str(k) + "=" + th.list_str(m) +
                       " and " + txn_name(th, lm.txn) + " read " + th.key_str(k) + "=" +
                       th.list_str(lm) + "; neither is a prefix of the other, so no single "
                       "order of appends explains both";
      out.add(std::move(fd));
      break;
    }

    for (const uint32_t* r = r_begin; r != r_end; ++r) {
      const uint32_t rm = *r;
      const Mop& m = th.mops[rm];
      const uint32_t reader = m.txn;
      // G1a: the read includes an aborted append.
      if (compatible[k] && first_failed != kNoPos && m.list_len > first_failed) {
        const uint32_t fw = order[first_failed];
        Finding fd{"G1a", {reader, th.mops[fw].txn}, ""};
        fd.explanation = txn_name(th, reader) + " read " + th.key_str(k) + "=" +
                         th.list_str(m) + ", which includes " + txn_name(th, th.mops[fw].txn) +
                         "'s append of " + th.value_str(lv[first_failed]) + ", but " +
                         txn_name(th, th.mops[fw].txn) + " aborted";
        out.add(std::move(fd));
      } else if (!compatible[k]) {
        for (uint32_t i = 0; i < m.list_len; ++i) {
          const uint32_t w = writer(th.list(m)[i]);
          if (w != kNoPos && status_of_mop(w) == TxnStatus::Fail) {
            Finding fd{"G1a", {reader, th.mops[w].txn}, ""};
            fd.explanation = txn_name(th, reader) + " read " + th.key_str(k) + "=" +
                             th.list_str(m) + ", which includes " +
                             txn_name(th, th.mops[w].txn) + "'s append of " +
                             th.value_str(th.list(m)[i]) + ", but that transaction aborted";
            out.add(std::move(fd));
            break;
          }
        }
      }
      const uint32_t ext = facts.ext_len[rm];
      if (ext == kNoPos) continue;
      // wr and G1b from the last element of the external read.
      if (ext > 0) {
        const uint32_t w = compatible[k] ? order[ext - 1] : writer(th.list(m)[ext - 1]);
        if (w != kNoPos && th.mops[w].txn != reader && status_of_mop(w) != TxnStatus::Fail) {
          g.add(th.mops[w].txn, reader, kWR, w, rm);
          if (!facts.final_append[w]) {
            Finding fd{"G1b", {reader, th.mops[w].txn}, ""};
            fd.explanation = txn_name(th, reader) + " read " + th.key_str(k) + "=" +
                             short_list(th, m, ext) + ", ending in " +
                             th.value_str(th.mops[w].value) + ", an intermediate append of " +
                             txn_name(th, th.mops[w].txn) +
                             ", which appended to " + th.key_str(k) + " again afterwards";
            out.add(std::move(fd));
          }
        }
      }
      // rw to the writer of the next version.
      if (compatible[k] && ext < lm.list_len) {
        const uint32_t w = order[ext];
        if (w != kNoPos && th.mops[w].txn != reader && status_of_mop(w) != TxnStatus::Fail)
          g.add(reader, th.mops[w].txn, kRW, rm, w);
      }
    }
    // ww between consecutive versions.
    if (compatible[k]) {
      for (uint32_t i = 1; i < lm.list_len; ++i) {
        const uint32_t a = order[i - 1], b = order[i];
        if (a == kNoPos || b == kNoPos) continue;
        if (status_of_mop(a) == TxnStatus::Fail || status_of_mop(b) == TxnStatus::Fail) continue;
        g.add(th.mops[a].txn, th.mops[b].txn, kWW, a, b);
      }
    }
    for (uint32_t i = 0; i < lm.list_len; ++i)
      if (order[i] != kNoPos) pos_of_mop[order[i]] = kNoPos;
  }

  // Lost update: two committed txns read the same version of a key and both appended to it.
  auto& rta = facts.read_then_append;
  std::sort(rta.begin(), rta.end(), [](const auto& a, const auto& b) {
    return std::tie(a.key, a.ext_len, a.txn) < std::tie(b.key, b.ext_len, b.txn);
  });
  for (size_t i = 0; i < rta.size();) {
    size_t j = i + 1;
    while (j < rta.size() && rta[j].key == rta[i].key && rta[j].ext_len == rta[i].ext_len) ++j;
    if (j - i >= 2 && compatible[rta[i].key]) {
      Finding fd{"lost-update", {}, ""};
      std::string names;
      for (size_t x = i; x < j; ++x) {
        fd.txns.push_back(rta[x].txn);
        names += (x > i ? (x + 1 == j ? " and " : ", ") : "") + txn_name(th, rta[x].txn);
      }
      const Mop& m = th.mops[rta[i].read_mop];
      fd.explanation = names + " all read " + th.key_str(rta[i].key) + "=" +
                       short_list(th, m, rta[i].ext_len) +
                       " and each appended to it; whichever committed last lost the others' "
                       "updates from its view";
      out.add(std::move(fd));
    }
    i = j;
  }
}

}  // namespace faultline::checker::txn
