// Brute-force oracle for transactional histories (list-append and rw-register), tests only.
// It shares no code with checker/src/txn: it pairs the history itself and decides by search.
//
// Semantics (Jepsen/Elle): a txn's value is a list of micro-ops [f k v], f in r / w / append.
// An ok txn committed and its completion holds what its reads returned; a fail txn never took
// effect; an info txn (or one never completed) may or may not have committed, and its reads are
// unknown. A process id reused after info is a new logical process.
//
// serializable(txns, la, order) is the definition: there are a subset S of the info txns and a
// total order of the ok txns and S in which every ok txn, run alone from the state its
// predecessors left (its own earlier writes visible to its own reads), reads exactly what it
// returned — list-append: the whole list (nil = empty); rw-register: the last value written
// (nil = never written). `order` adds constraints to the total order:
//   Process   (strong-session serializable) a txn follows the earlier txns of its process;
//   Realtime  (strict serializable) a txn follows every ok txn that completed before it was
//             invoked (an info txn's completion is unknown, so it precedes nothing by time).
// Search: for each subset S, depth-first over orders with memoised failed (placed set, state).
// Exponential; meant for <= ~8 txns and <= ~4 info txns.
//
// replay(...) re-checks a claimed serial order (the checker's witness): every ok txn exactly
// once, no failed txn, info txns at most once and every observed info txn present (one whose
// write an ok txn read), the `order` constraints, and every ok read explained when the order
// is run with the ok and observed info txns applied (an unobserved info txn may not have
// committed, so it is skipped).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "faultline/core/history.h"

namespace faultline::testing::txn_oracle {

enum class Order { None, Process, Realtime };

struct OTxn {
  OpType outcome = OpType::Info;
  int64_t process = 0;
  size_t invoke_pos = 0, complete_pos = SIZE_MAX;
  int64_t index = -1;  // Op::index of the invocation
  Json mops;           // completion value for ok txns, else the invocation's
};

// Own pairing: an invocation is completed by the next completion of its process.
inline std::vector<OTxn> txns_of(const History& h) {
  std::vector<OTxn> out;
  std::map<int64_t, size_t> open;
  std::map<int64_t, int64_t> logical;  // process id -> logical process
  int64_t fresh = 1'000'000;
  for (size_t i = 0; i < h.size(); ++i) {
    const Op& op = h[i];
    if (op.type == OpType::Invoke) {
      if (!logical.count(op.process)) logical[op.process] = op.process;
      OTxn t;
      t.process = logical[op.process];
      t.invoke_pos = i;
      t.index = op.index;
      t.mops = op.value;
      open[op.process] = out.size();
      out.push_back(std::move(t));
      continue;
    }
    OTxn& t = out.at(open.at(op.process));
    open.erase(op.process);
    t.outcome = op.type;
    t.complete_pos = i;
    if (op.type == OpType::Ok) t.mops = op.value;
    if (op.type == OpType::Info) logical[op.process] = fresh++;
  }
  return out;
}

namespace detail {

using State = std::map<int64_t, Json>;  // key -> list (list-append) or value (rw-register)

inline bool is_read(const Json& m) { return m[0] == "r"; }

// Runs txn t on `st`; checks its reads when `check`. Returns false on a mismatch.
inline bool run(const OTxn& t, bool la, State& st, bool check) {
  for (const Json& m : t.mops) {
    const int64_t k = m[1].get<int64_t>();
    auto it = st.find(k);
    if (is_read(m)) {
      if (!check) continue;
      if (la) {
        const Json cur = it == st.end() ? Json::array() : it->second;
        const Json got = m[2].is_null() ? Json::array() : m[2];
        if (got != cur) return false;
      } else {
        const Json cur = it == st.end() ? Json(nullptr) : it->second;
        if (m[2] != cur) return false;
      }
    } else if (la) {
      if (it == st.end()) it = st.emplace(k, Json::array()).first;
      it->second.push_back(m[2]);
    } else {
      st[k] = m[2];
    }
  }
  return true;
}

// Must a precede b in every admissible order?
inline bool precedes(const OTxn& a, const OTxn& b, Order order) {
  if (order == Order::None || a.outcome != OpType::Ok) return false;
  if (order == Order::Process) return a.process == b.process && a.invoke_pos < b.invoke_pos;
  return a.complete_pos < b.invoke_pos;
}

// Info txns whose written value some ok txn read.
inline std::vector<bool> observed(const std::vector<OTxn>& txns, bool la) {
  std::set<std::pair<int64_t, Json>> seen;
  for (const OTxn& t : txns) {
    if (t.outcome != OpType::Ok) continue;
    for (const Json& m : t.mops) {
      if (!is_read(m) || m[2].is_null()) continue;
      const int64_t k = m[1].get<int64_t>();
      if (la) {
        for (const Json& v : m[2]) seen.insert({k, v});
      } else {
        seen.insert({k, m[2]});
      }
    }
  }
  std::vector<bool> out(txns.size(), false);
  for (size_t i = 0; i < txns.size(); ++i)
    for (const Json& m : txns[i].mops)
      if (!is_read(m) && seen.count({m[1].get<int64_t>(), m[2]})) out[i] = true;
  return out;
}

}  // namespace detail

inline bool serializable(const std::vector<OTxn>& txns, bool la, Order order) {
  std::vector<size_t> ok, info;
  for (size_t i = 0; i < txns.size(); ++i) {
    if (txns[i].outcome == OpType::Ok) ok.push_back(i);
    if (txns[i].outcome == OpType::Info) info.push_back(i);
  }
  for (uint32_t subset = 0; subset < (1u << info.size()); ++subset) {
    std::vector<size_t> in = ok;
    for (size_t j = 0; j < info.size(); ++j)
      if (subset >> j & 1) in.push_back(info[j]);
    const size_t n = in.size();
    std::vector<uint32_t> pred(n, 0);
    for (size_t a = 0; a < n; ++a)
      for (size_t b = 0; b < n; ++b)
        if (a != b && detail::precedes(txns[in[a]], txns[in[b]], order)) pred[b] |= 1u << a;
    std::set<std::string> failed;
    std::function<bool(uint32_t, const detail::State&)> dfs = [&](uint32_t placed,
                                                                 const detail::State& st) {
      if (placed == (1u << n) - 1) return true;
      const std::string memo = std::to_string(placed) + Json(st).dump();
      if (failed.count(memo)) return false;
      for (size_t e = 0; e < n; ++e) {
        if ((placed >> e & 1) || (pred[e] & ~placed)) continue;
        detail::State next = st;
        const OTxn& t = txns[in[e]];
        if (detail::run(t, la, next, t.outcome == OpType::Ok) && dfs(placed | 1u << e, next))
          return true;
      }
      failed.insert(memo);
      return false;
    };
    if (dfs(0, {})) return true;
  }
  return false;
}

inline std::optional<std::string> replay(const std::vector<OTxn>& txns, bool la,
                                         const Json& serial_order, Order order) {
  std::map<int64_t, size_t> by_index;
  for (size_t i = 0; i < txns.size(); ++i) by_index[txns[i].index] = i;
  const std::vector<bool> obs = detail::observed(txns, la);
  std::vector<int> rank(txns.size(), -1);
  std::vector<size_t> seq;
  for (const Json& x : serial_order) {
    auto it = by_index.find(x.get<int64_t>());
    if (it == by_index.end()) return "T" + x.dump() + " is not a txn";
    const OTxn& t = txns[it->second];
    if (t.outcome == OpType::Fail) return "failed T" + x.dump() + " is placed";
    if (rank[it->second] >= 0) return "T" + x.dump() + " is placed twice";
    rank[it->second] = static_cast<int>(seq.size());
    seq.push_back(it->second);
  }
  for (size_t i = 0; i < txns.size(); ++i) {
    const bool needed = txns[i].outcome == OpType::Ok || (txns[i].outcome == OpType::Info && obs[i]);
    if (needed && rank[i] < 0) return "T" + std::to_string(txns[i].index) + " is missing";
  }
  for (size_t a = 0; a < txns.size(); ++a)
    for (size_t b = 0; b < txns.size(); ++b)
      if (rank[a] >= 0 && rank[b] >= 0 && detail::precedes(txns[a], txns[b], order) &&
          rank[a] > rank[b])
        return "T" + std::to_string(txns[b].index) + " is placed before T" +
               std::to_string(txns[a].index);
  detail::State st;
  for (size_t i : seq) {
    const OTxn& t = txns[i];
    if (t.outcome == OpType::Info && !obs[i]) continue;
    if (!detail::run(t, la, st, t.outcome == OpType::Ok))
      return "T" + std::to_string(t.index) + " " + t.mops.dump() + " does not read " +
             Json(st).dump();
  }
  return std::nullopt;
}

}  // namespace faultline::testing::txn_oracle
