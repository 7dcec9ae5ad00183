// List-append dependency inference (Elle, Kingsbury & Alvaro 2020, section 4).
//
// Each key's version order is its longest committed read; every other read must be a prefix of
// it (else incompatible-order). Appends are unique per key, so a value names the txn that
// appended it. From the order: ww between consecutive appends, wr from the writer of the last
// element a txn read, rw from a reader to the writer of the next element it did not see.
// A txn's external read of a key is its first read of it; when the txn appended before reading,
// its own (suffix) appends are stripped to recover the state it read.
//
// Two more rules (Elle's list_append.clj) order appends that no read observed:
//  - single append: a key whose only append (aborted ones aside) is a committed txn's has the
//    versions [] then [x], even when every read of it is empty;
//  - unobserved appends: a committed append that no read shows still came after
//    the highest element observed on its key (or after [] when none was observed): ww from
//    that element's writer, rw from every txn whose external read of the key ended in that
//    element (or was empty when nothing was observed). Such appends are not ordered among
//    themselves. An indeterminate txn's unobserved append may never have happened, so it gets
//    no such edges — unless some read observed another of that txn's appends: then it
//    committed, and all its appends happened (as in Elle, which applies these rules to every
//    txn known to have committed).
#include <algorithm>
#include <iterator>
#include <string>
#include <tuple>

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
  // Reused across txns (no per-txn allocation): states[0, used) are live.
  std::vector<KeyState> states;
  size_t used = 0;
  for (uint32_t t = 0; t < th.txns.size(); ++t) {
    const Txn& tx = th.txns[t];
    used = 0;
    auto state_of = [&](uint32_t key) -> KeyState& {
      for (size_t i = 0; i < used; ++i)
        if (states[i].key == key) return states[i];
      if (used == states.size()) states.emplace_back();
      KeyState& s = states[used++];
      s.key = key;
      s.read_mop = kNoPos;
      s.appended.clear();
      s.ext_len = kNoPos;
      s.ext_mop = kNoPos;
      s.appended_any = false;
      return s;
    };
    // Final appends per key (scan backwards).
    for (uint32_t i = tx.mop_end; i-- > tx.mop_begin;) {
      const Mop& m = th.mops[i];
      if (m.kind != MopKind::Append) continue;
      KeyState& s = state_of(m.key);
      if (!s.appended_any) f.final_append[i] = 1;
      s.appended_any = true;
    }
    used = 0;
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
    for (size_t si = 0; si < used; ++si) {
      const KeyState& s = states[si];
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

// Per-key inference over a shared scratch: each step below is one rule of the header comment.
class ListAppendInference {
 public:
  ListAppendInference(const TxnHistory& th, DepGraph& g, Findings& out)
      : th_(th), g_(g), out_(out), ix_(index_by_key(th)), facts_(scan_txns(th, out)),
        compatible_(th.key_names.size(), 1), pos_of_mop_(th.mops.size(), kNoPos),
        committed_(known_committed(th, ix_)) {}

  void run() {
    for (uint32_t k = 0; k < th_.key_names.size(); ++k) infer_key(k);
    report_lost_updates();
  }

 private:
  using AppendIt = std::vector<std::pair<int64_t, uint32_t>>::const_iterator;

  TxnStatus status_of_mop(uint32_t m) const { return th_.txns[th_.mops[m].txn].status; }
  bool committed_mop(uint32_t m) const { return committed_[th_.mops[m].txn] != 0; }

  // Per txn: committed for sure — ok, or indeterminate with an append that the longest read
  // of its key shows (a read can only show what a committed txn wrote).
  static std::vector<uint8_t> known_committed(const TxnHistory& th, const KeyIndex& ix) {
    std::vector<uint8_t> c(th.txns.size(), 0);
    for (uint32_t t = 0; t < th.txns.size(); ++t) c[t] = th.txns[t].status == TxnStatus::Ok;
    for (uint32_t k = 0; k < th.key_names.size(); ++k) {
      const auto a0 = ix.appends.begin() + ix.append_off[k];
      const auto a1 = ix.appends.begin() + ix.append_off[k + 1];
      uint32_t longest = kNoPos;
      for (uint32_t i = ix.read_off[k]; i < ix.read_off[k + 1]; ++i)
        if (longest == kNoPos || th.mops[ix.reads[i]].list_len > th.mops[longest].list_len)
          longest = ix.reads[i];
      if (longest == kNoPos) continue;
      const Mop& m = th.mops[longest];
      for (uint32_t i = 0; i < m.list_len; ++i) {
        const int64_t v = th.list(m)[i];
        auto it = std::lower_bound(a0, a1, std::make_pair(v, uint32_t{0}));
        if (it == a1 || it->first != v) continue;
        const uint32_t t = th.mops[it->second].txn;
        if (th.txns[t].status == TxnStatus::Info) c[t] = 1;
      }
    }
    return c;
  }
  uint32_t writer(int64_t v) const {
    auto it = std::lower_bound(a_begin_, a_end_, std::make_pair(v, uint32_t{0}));
    return (it != a_end_ && it->first == v) ? it->second : kNoPos;
  }

  void infer_key(uint32_t k) {
    k_ = k;
    a_begin_ = ix_.appends.begin() + ix_.append_off[k];
    a_end_ = ix_.appends.begin() + ix_.append_off[k + 1];
    r_begin_ = ix_.reads.data() + ix_.read_off[k];
    r_end_ = ix_.reads.data() + ix_.read_off[k + 1];
    check_unique_appends();
    if (r_begin_ == r_end_) return;  // no read: no reader to order against anything
    longest_ = *r_begin_;
    for (const uint32_t* r = r_begin_; r != r_end_; ++r)
      if (th_.mops[*r].list_len > th_.mops[longest_].list_len) longest_ = *r;
    build_version_order();
    check_prefixes();
    if (compatible_[k]) add_single_append_version();
    read_edges();
    if (compatible_[k]) {
      ww_edges();
      unobserved_append_edges();
    }
    for (uint32_t w : order_)
      if (w != kNoPos) pos_of_mop_[w] = kNoPos;
  }

  void check_unique_appends() {
    for (auto it = a_begin_; it != a_end_ && std::next(it) != a_end_; ++it) {
      if (it->first != (it + 1)->first) continue;
      out_.input_error("value " + th_.value_str(it->first) + " is appended to key " +
                       th_.key_str(k_) + " by both " + txn_name(th_, th_.mops[it->second].txn) +
                       " and " + txn_name(th_, th_.mops[(it + 1)->second].txn) +
                       "; list-append analysis needs unique appended values per key");
    }
  }

  // Version order from the longest read; garbage, duplicates and dirty updates show up here.
  void build_version_order() {
    const Mop& lm = th_.mops[longest_];
    const int64_t* lv = th_.list(lm);
    order_.assign(lm.list_len, kNoPos);
    first_failed_ = kNoPos;
    bool dirty_reported = false;
    for (uint32_t i = 0; i < lm.list_len; ++i) {
      const uint32_t w = writer(lv[i]);
      if (w == kNoPos) {
        out_.add(Finding("garbage-read", {lm.txn},
                         txn_name(th_, lm.txn) + " read " + th_.key_str(k_) + "=" +
                             th_.list_str(lm) + ", but no transaction ever appended " +
                             th_.value_str(lv[i]) + " to " + th_.key_str(k_)));
        continue;
      }
      if (pos_of_mop_[w] != kNoPos) {
        out_.add(Finding("duplicate-elements", {lm.txn},
                         txn_name(th_, lm.txn) + " read " + th_.key_str(k_) + "=" +
                             th_.list_str(lm) + ", which contains " + th_.value_str(lv[i]) +
                             " (appended once, by " + txn_name(th_, th_.mops[w].txn) +
                             ") twice"));
        continue;
      }
      order_[i] = w;
      pos_of_mop_[w] = i;
      const TxnStatus st = status_of_mop(w);
      if (st == TxnStatus::Fail && first_failed_ == kNoPos) first_failed_ = i;
      if (st != TxnStatus::Fail && first_failed_ != kNoPos && !dirty_reported) {
        dirty_reported = true;
        const uint32_t fw = order_[first_failed_];
        const std::string ft = txn_name(th_, th_.mops[fw].txn);
        out_.add(Finding("dirty-update", {th_.mops[fw].txn, th_.mops[w].txn},
                         "in " + th_.key_str(k_) + "'s version order " + th_.list_str(lm) +
                             ", " + txn_name(th_, th_.mops[w].txn) + "'s append of " +
                             th_.value_str(lv[i]) + " follows " + ft + "'s append of " +
                             th_.value_str(lv[first_failed_]) + ", but " + ft + " aborted"));
      }
    }
  }

  // Every read must be a prefix of the longest; without one version order, garbage and
  // duplicates must be looked for read by read (the longest read was covered above).
  void check_prefixes() {
    const Mop& lm = th_.mops[longest_];
    for (const uint32_t* r = r_begin_; r != r_end_; ++r) {
      const Mop& m = th_.mops[*r];
      if (std::equal(th_.list(m), th_.list(m) + m.list_len, th_.list(lm))) continue;
      compatible_[k_] = 0;
      out_.add(Finding("incompatible-order", {m.txn, lm.txn},
                       txn_name(th_, m.txn) + " read " + th_.key_str(k_) + "=" +
                           th_.list_str(m) + " and " + txn_name(th_, lm.txn) + " read " +
                           th_.key_str(k_) + "=" + th_.list_str(lm) +
                           "; neither is a prefix of the other, so no single order of "
                           "appends explains both"));
      break;
    }
    if (compatible_[k_]) return;
    std::vector<int64_t> sorted;
    for (const uint32_t* r = r_begin_; r != r_end_; ++r) {
      if (*r == longest_) continue;
      const Mop& m = th_.mops[*r];
      sorted.assign(th_.list(m), th_.list(m) + m.list_len);
      std::sort(sorted.begin(), sorted.end());
      const auto dup = std::adjacent_find(sorted.begin(), sorted.end());
      if (dup != sorted.end()) {
        out_.add(Finding("duplicate-elements", {m.txn},
                         txn_name(th_, m.txn) + " read " + th_.key_str(k_) + "=" +
                             th_.list_str(m) + ", which contains " + th_.value_str(*dup) +
                             " twice"));
      }
      for (int64_t v : sorted) {
        if (writer(v) != kNoPos) continue;
        out_.add(Finding("garbage-read", {m.txn},
                         txn_name(th_, m.txn) + " read " + th_.key_str(k_) + "=" +
                             th_.list_str(m) + ", but no transaction ever appended " +
                             th_.value_str(v) + " to " + th_.key_str(k_)));
        break;
      }
    }
  }

  // Single append: every read was empty and one txn, committed, appended to the key (others
  // aborted), so its versions are [] then [x].
  void add_single_append_version() {
    if (!order_.empty()) return;
    uint32_t only = kNoPos;
    for (auto it = a_begin_; it != a_end_; ++it) {
      if (status_of_mop(it->second) == TxnStatus::Fail) continue;
      if (only != kNoPos) return;
      only = it->second;
    }
    if (only == kNoPos || !committed_mop(only)) return;
    order_.push_back(only);
    pos_of_mop_[only] = 0;
  }

  // G1a per read; wr (and G1b) from the last element of each external read; rw to the writer
  // of the next version.
  void read_edges() {
    for (const uint32_t* r = r_begin_; r != r_end_; ++r) {
      const uint32_t rm = *r;
      const Mop& m = th_.mops[rm];
      const uint32_t reader = m.txn;
      report_aborted_read(rm);
      const uint32_t ext = facts_.ext_len[rm];
      if (ext == kNoPos) continue;
      if (ext > 0) {
        const uint32_t w = compatible_[k_] ? order_[ext - 1] : writer(th_.list(m)[ext - 1]);
        if (w != kNoPos && th_.mops[w].txn != reader && status_of_mop(w) != TxnStatus::Fail) {
          g_.add(th_.mops[w].txn, reader, kWR, w, rm);
          if (!facts_.final_append[w]) {
            out_.add(Finding("G1b", {reader, th_.mops[w].txn},
                             txn_name(th_, reader) + " read " + th_.key_str(k_) + "=" +
                                 short_list(th_, m, ext) + ", ending in " +
                                 th_.value_str(th_.mops[w].value) +
                                 ", an intermediate append of " +
                                 txn_name(th_, th_.mops[w].txn) + ", which appended to " +
                                 th_.key_str(k_) + " again afterwards"));
          }
        }
      }
      if (compatible_[k_] && ext < order_.size()) {
        const uint32_t w = order_[ext];
        if (w != kNoPos && th_.mops[w].txn != reader && status_of_mop(w) != TxnStatus::Fail)
          g_.add(reader, th_.mops[w].txn, kRW, rm, w);
      }
    }
  }

  // G1a: the read includes an aborted append.
  void report_aborted_read(uint32_t rm) {
    const Mop& m = th_.mops[rm];
    const uint32_t reader = m.txn;
    uint32_t fw = kNoPos;
    int64_t value = 0;
    if (compatible_[k_]) {
      if (first_failed_ == kNoPos || m.list_len <= first_failed_) return;
      fw = order_[first_failed_];
      value = th_.list(th_.mops[longest_])[first_failed_];
    } else {
      for (uint32_t i = 0; i < m.list_len && fw == kNoPos; ++i) {
        const uint32_t w = writer(th_.list(m)[i]);
        if (w != kNoPos && status_of_mop(w) == TxnStatus::Fail) {
          fw = w;
          value = th_.list(m)[i];
        }
      }
      if (fw == kNoPos) return;
    }
    const std::string wt = txn_name(th_, th_.mops[fw].txn);
    out_.add(Finding("G1a", {reader, th_.mops[fw].txn},
                     txn_name(th_, reader) + " read " + th_.key_str(k_) + "=" +
                         th_.list_str(m) + ", which includes " + wt + "'s append of " +
                         th_.value_str(value) + ", but " + wt + " aborted"));
  }

  // ww between consecutive versions.
  void ww_edges() {
    for (size_t i = 1; i < order_.size(); ++i) {
      const uint32_t a = order_[i - 1], b = order_[i];
      if (a == kNoPos || b == kNoPos) continue;
      if (status_of_mop(a) == TxnStatus::Fail || status_of_mop(b) == TxnStatus::Fail) continue;
      g_.add(th_.mops[a].txn, th_.mops[b].txn, kWW, a, b);
    }
  }

  // Unobserved appends come after the highest observed element (or after []).
  void unobserved_append_edges() {
    const uint32_t top = order_.empty() ? kNoPos : order_.back();
    const bool top_writes = top != kNoPos && status_of_mop(top) != TxnStatus::Fail;
    const uint32_t n = static_cast<uint32_t>(order_.size());
    for (auto it = a_begin_; it != a_end_; ++it) {
      const uint32_t a = it->second;
      if (pos_of_mop_[a] != kNoPos || !committed_mop(a)) continue;
      const uint32_t at = th_.mops[a].txn;
      if (top_writes) g_.add(th_.mops[top].txn, at, kWW, top, a);
      for (const uint32_t* r = r_begin_; r != r_end_; ++r)
        if (facts_.ext_len[*r] == n) g_.add(th_.mops[*r].txn, at, kRW, *r, a);
    }
  }

  // Lost update: two committed txns read the same version of a key and both appended to it.
  void report_lost_updates() {
    auto& rta = facts_.read_then_append;
    std::sort(rta.begin(), rta.end(), [](const auto& a, const auto& b) {
      return std::tie(a.key, a.ext_len, a.txn) < std::tie(b.key, b.ext_len, b.txn);
    });
    for (size_t i = 0; i < rta.size();) {
      size_t j = i + 1;
      while (j < rta.size() && rta[j].key == rta[i].key && rta[j].ext_len == rta[i].ext_len) ++j;
      if (j - i >= 2 && compatible_[rta[i].key]) {
        Finding fd{"lost-update", {}, ""};
        std::string names;
        for (size_t x = i; x < j; ++x) {
          fd.txns.push_back(rta[x].txn);
          names += (x > i ? (x + 1 == j ? " and " : ", ") : "") + txn_name(th_, rta[x].txn);
        }
        const Mop& m = th_.mops[rta[i].read_mop];
        fd.explanation = names + " all read " + th_.key_str(rta[i].key) + "=" +
                         short_list(th_, m, rta[i].ext_len) +
                         " and each appended to it; whichever committed last lost the others' "
                         "updates from its view";
        out_.add(std::move(fd));
      }
      i = j;
    }
  }

  const TxnHistory& th_;
  DepGraph& g_;
  Findings& out_;
  const KeyIndex ix_;
  PerTxnFacts facts_;
  std::vector<uint8_t> compatible_;
  std::vector<uint32_t> pos_of_mop_;  // append mop -> position in the current key's order
  std::vector<uint8_t> committed_;    // per txn: known to have committed (known_committed)
  // The current key.
  uint32_t k_ = 0;
  AppendIt a_begin_, a_end_;          // its appends, by value
  const uint32_t* r_begin_ = nullptr;  // its known reads
  const uint32_t* r_end_ = nullptr;
  uint32_t longest_ = kNoPos;          // its longest read
  std::vector<uint32_t> order_;        // its version order: append mops (kNoPos: garbage)
  uint32_t first_failed_ = kNoPos;     // position of the first aborted append in order_
};

}  // namespace

void infer_list_append(const TxnHistory& th, DepGraph& g, Findings& out) {
  g.num_txns = static_cast<uint32_t>(th.txns.size());
  ListAppendInference(th, g, out).run();
}

}  // namespace faultline::checker::txn
