// Brute-force oracle for causal consistency (CC), causal memory (CM) and causal convergence
// (CCv) of register histories, written from the definitions of Bouajjani, Enea, Guerraoui and
// Hamza, "On Verifying Causal Consistency" (POPL 2017, section 2), NOT from their bad-pattern
// characterisation that checker/src/causal implements. It shares no code with the checker.
//
// A history is a set of sessions (po: the total order of each session's ops); a read returns a
// written value or the initial one. With CO ranging over strict partial orders containing po:
//   CC  iff ∃CO ∀o:  some linearisation of CausalHist(o) (o and its CO-predecessors, ordered
//                    consistently with CO) is a legal register run in which o returns its value
//                    (the other reads' outputs are ignored);
//   CM  iff ∃CO ∀o:  the same, where every read of o's session up to o returns its value;
//   CCv iff ∃CO ∃ARB ⊇ CO total ∀o:  o's value is that of the ARB-last write to its key in
//                    CausalHist(o) (the initial value if there is none).
// Which CO to try. With unique written values a read of v must have the write of v in its
// causal history, so every CO contains wr (read-from) and hence (po ∪ wr)+; and restricting a
// witness for a larger CO (its linearisations, or ARB) to the smaller causal histories of the
// minimal CO keeps every read legal (a read's own write stays; only other writes disappear).
// So each model holds iff it holds for CO = (po ∪ wr)+, which must be irreflexive. The oracle
// then decides CC/CM by exhaustive search over the linearisations of each causal history
// (depth-first, memoising failed (placed set, register state) pairs, which determine the rest)
// and CCv by exhaustive search over the total orders extending CO (memoising failed (placed set,
// per-key order of the placed writes), all a later read can depend on).
// Indeterminate (info) writes may or may not have taken effect: each model holds iff it holds
// for some subset of them. Failed ops and reads without a value take no part.
// Exponential; meant for histories of <= ~12 ops (at most 20), keys 0..7 and few info writes.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

namespace faultline::testing::causal_oracle {

enum class Outcome { Ok, Fail, Info };

// One client op: process (its session), write or read of `key`. Writes: value > 0, unique.
// Reads: value 0 = the initial value, else a value (perhaps never written). Info reads carry
// no value.
struct AOp {
  int64_t process = 0;
  bool write = false;
  int key = 0;
  int64_t value = 0;
  Outcome outcome = Outcome::Ok;
};

struct Verdicts {
  bool cc = false, cm = false, ccv = false;
};

namespace detail {

constexpr int kInit = -1;
constexpr int kThin = -2;

// The ops that took part, with po, read-from and CO = (po ∪ wr)+ as bitmasks.
struct Instance {
  std::vector<AOp> ev;
  std::vector<size_t> source;     // index in the input of each event
  std::vector<int> rf;            // reads: writer event, kInit or kThin
  std::vector<uint32_t> past;     // strict CO-predecessors
  bool acyclic = true;
  bool thin = false;
};

inline Instance build(const std::vector<AOp>& ops, const std::vector<size_t>& chosen) {
  Instance in;
  for (size_t i : chosen) {
    in.ev.push_back(ops[i]);
    in.source.push_back(i);
  }
  const size_t n = in.ev.size();
  in.rf.assign(n, kInit);
  in.past.assign(n, 0);
  for (size_t r = 0; r < n; ++r) {
    if (in.ev[r].write) continue;
    if (in.ev[r].value == 0) continue;
    in.rf[r] = kThin;
    for (size_t w = 0; w < n; ++w)
      if (in.ev[w].write && in.ev[w].key == in.ev[r].key && in.ev[w].value == in.ev[r].value)
        in.rf[r] = static_cast<int>(w);
    if (in.rf[r] == kThin) in.thin = true;
    else in.past[r] |= 1u << in.rf[r];
  }
  for (size_t a = 0; a < n; ++a)
    for (size_t b = a + 1; b < n; ++b)
      if (in.ev[a].process == in.ev[b].process) in.past[b] |= 1u << a;  // chosen keeps order
  for (size_t k = 0; k < n; ++k)  // Warshall
    for (size_t i = 0; i < n; ++i)
      if (in.past[i] >> k & 1) in.past[i] |= in.past[k];
  for (size_t i = 0; i < n; ++i)
    if (in.past[i] >> i & 1) in.acyclic = false;
  return in;
}

// Is there a linearisation of the (downward closed) set `scope`, consistent with CO, that is
// a legal register run in which every read of `visible` returns its value?
inline bool linearisable(const Instance& in, uint32_t scope, uint32_t visible) {
  const size_t n = in.ev.size();
  std::unordered_set<uint64_t> failed;
  std::vector<int> last(8, kInit);  // per key: the last write placed
  std::function<bool(uint32_t)> dfs = [&](uint32_t placed) -> bool {
    if (placed == scope) return true;
    uint64_t memo = placed;
    for (size_t k = 0; k < last.size(); ++k)
      memo = memo * 33 + static_cast<uint64_t>(last[k] + 1);
    if (failed.count(memo)) return false;
    for (size_t e = 0; e < n; ++e) {
      const uint32_t bit = 1u << e;
      if (!(scope & bit) || (placed & bit) || (in.past[e] & ~placed)) continue;
      const AOp& op = in.ev[e];
      if (op.write) {
        const int before = last[static_cast<size_t>(op.key)];
        last[static_cast<size_t>(op.key)] = static_cast<int>(e);
        const bool ok = dfs(placed | bit);
        last[static_cast<size_t>(op.key)] = before;
        if (ok) return true;
      } else if (!(visible & bit) || last[static_cast<size_t>(op.key)] == in.rf[e]) {
        if (dfs(placed | bit)) return true;
      }
    }
    failed.insert(memo);
    return false;
  };
  return dfs(0);
}

inline bool cc(const Instance& in) {
  for (size_t o = 0; o < in.ev.size(); ++o)
    if (!in.ev[o].write && !linearisable(in, in.past[o] | 1u << o, 1u << o)) return false;
  return true;
}

inline bool cm(const Instance& in) {
  for (size_t o = 0; o < in.ev.size(); ++o) {
    uint32_t visible = 0;
    for (size_t e = 0; e <= o; ++e)
      if (!in.ev[e].write && in.ev[e].process == in.ev[o].process) visible |= 1u << e;
    if (!linearisable(in, in.past[o] | 1u << o, visible)) return false;
  }
  return true;
}

// The value (writer event or kInit) read o must return under ARB positions `pos`.
inline int arb_last_write(const Instance& in, size_t o, const std::vector<int>& pos) {
  int best = kInit;
  for (size_t w = 0; w < in.ev.size(); ++w) {
    if (!in.ev[w].write || in.ev[w].key != in.ev[o].key || !(in.past[o] >> w & 1)) continue;
    if (best == kInit || pos[w] > pos[static_cast<size_t>(best)]) best = static_cast<int>(w);
  }
  return best;
}

inline bool ccv(const Instance& in) {
  const size_t n = in.ev.size();
  std::vector<int> pos(n, -1);
  std::vector<std::vector<int>> placed_writes(8);  // per key, in ARB order
  std::set<std::string> failed;
  std::function<bool(uint32_t, int)> dfs = [&](uint32_t placed, int depth) -> bool {
    if (depth == static_cast<int>(n)) return true;
    std::string memo = std::to_string(placed);
    for (const auto& ws : placed_writes) {
      memo += '|';
      for (int w : ws) memo += std::to_string(w) + ',';
    }
    if (failed.count(memo)) return false;
    for (size_t e = 0; e < n; ++e) {
      const uint32_t bit = 1u << e;
      if ((placed & bit) || (in.past[e] & ~placed)) continue;
      pos[e] = depth;
      bool ok = true;
      if (in.ev[e].write) {
        placed_writes[static_cast<size_t>(in.ev[e].key)].push_back(static_cast<int>(e));
      } else {
        ok = arb_last_write(in, e, pos) == in.rf[e];
      }
      if (ok && dfs(placed | bit, depth + 1)) return true;
      if (in.ev[e].write) placed_writes[static_cast<size_t>(in.ev[e].key)].pop_back();
      pos[e] = -1;
    }
    failed.insert(memo);
    return false;
  };
  return dfs(0, 0);
}

// Indices of the ops that always take part, and of the info writes that may.
inline void split(const std::vector<AOp>& ops, std::vector<size_t>& sure,
                  std::vector<size_t>& maybe) {
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].outcome == Outcome::Fail) continue;
    if (ops[i].outcome == Outcome::Info) {
      if (ops[i].write) maybe.push_back(i);
      continue;  // an info read returned nothing
    }
    sure.push_back(i);
  }
}

}  // namespace detail

inline Verdicts decide(const std::vector<AOp>& ops) {
  std::vector<size_t> sure, maybe;
  detail::split(ops, sure, maybe);
  Verdicts v;
  for (uint32_t subset = 0; subset < (1u << maybe.size()); ++subset) {
    std::vector<size_t> chosen;
    for (size_t i = 0; i < ops.size(); ++i) {
      bool take = std::find(sure.begin(), sure.end(), i) != sure.end();
      for (size_t m = 0; m < maybe.size(); ++m)
        if (maybe[m] == i && (subset >> m & 1)) take = true;
      if (take) chosen.push_back(i);
    }
    const detail::Instance in = detail::build(ops, chosen);
    if (!in.acyclic || in.thin) continue;
    v.cc = v.cc || detail::cc(in);
    v.cm = v.cm || detail::cm(in);
    v.ccv = v.ccv || detail::ccv(in);
  }
  return v;
}

// Replays a claimed CCv arbitration order (indices into `ops`) with every info write taking
// part: it must hold each op that takes part exactly once, extend CO, and give every read the
// value of the ARB-last write to its key in its causal history. nullopt when it does.
inline std::optional<std::string> replay_arbitration(const std::vector<AOp>& ops,
                                                     const std::vector<size_t>& order) {
  std::vector<size_t> chosen;
  for (size_t i = 0; i < ops.size(); ++i)
    if (ops[i].outcome == Outcome::Ok || (ops[i].outcome == Outcome::Info && ops[i].write))
      chosen.push_back(i);
  const detail::Instance in = detail::build(ops, chosen);
  const size_t n = in.ev.size();
  if (order.size() != n) return "the order has " + std::to_string(order.size()) + " ops, not " +
                                std::to_string(n);
  std::vector<int> pos(n, -1);
  for (size_t p = 0; p < order.size(); ++p) {
    size_t e = n;
    for (size_t k = 0; k < n; ++k)
      if (in.source[k] == order[p]) e = k;
    if (e == n) return "op " + std::to_string(order[p]) + " takes no part";
    if (pos[e] >= 0) return "op " + std::to_string(order[p]) + " appears twice";
    pos[e] = static_cast<int>(p);
  }
  for (size_t e = 0; e < n; ++e) {
    for (size_t d = 0; d < n; ++d)
      if ((in.past[e] >> d & 1) && pos[d] > pos[e])
        return "op " + std::to_string(in.source[e]) + " is placed before its causal past";
    if (!in.ev[e].write && detail::arb_last_write(in, e, pos) != in.rf[e])
      return "read " + std::to_string(in.source[e]) + " does not return the ARB-last write";
  }
  return std::nullopt;
}

}  // namespace faultline::testing::causal_oracle
