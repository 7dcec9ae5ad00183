// CC / CM / CCv by bad patterns (Bouajjani et al., POPL 2017, section 3), with vector clocks
// standing in for the transitive closures: po is total per session, so every causal past is
// a per-session prefix and "a co b" is one array lookup.
#include <chrono>
#include <map>
#include <stdexcept>
#include <unordered_set>

#include "causal_report.h"
#include "faultline/checker/causal/check_causal.h"
#include "register_history.h"

namespace faultline::checker::causal {

CausalModel causal_model_from_string(const std::string& name) {
  if (name == "causal" || name == "CC" || name == "cc") return CausalModel::CC;
  if (name == "causal-memory" || name == "CM" || name == "cm") return CausalModel::CM;
  if (name == "causal-convergence" || name == "CCv" || name == "ccv") return CausalModel::CCv;
  throw std::invalid_argument("unknown causal model \"" + name +
                              "\" (use causal, causal-memory or causal-convergence)");
}

std::string to_string(CausalModel m) {
  switch (m) {
    case CausalModel::CC: return "causal";
    case CausalModel::CM: return "causal-memory";
    case CausalModel::CCv: return "causal-convergence";
  }
  return "?";
}

namespace {

std::string key_of(const RegisterHistory& rh, uint32_t e) {
  const Json& k = rh.key_names[rh.events[e].key];
  return k.is_string() ? k.get<std::string>() : k.dump();
}

std::string cycle_text(const RegisterHistory& rh, const std::vector<uint32_t>& cyc) {
  std::string s;
  for (uint32_t e : cyc) s += rh.describe(e) + " -> ";
  return s + (cyc.empty() ? "" : rh.describe(cyc.front()));
}

// The CC patterns; returns true if none was found.
bool check_cc(const RegisterHistory& rh, const CausalClocks& co, bool co_acyclic,
              const std::vector<uint32_t>& left, CausalReport& rep) {
  bool clean = true;
  const uint32_t k = rh.sessions();
  for (uint32_t r = 0; r < rh.events.size(); ++r) {
    const Event& ev = rh.events[r];
    if (ev.is_write || ev.read_from != kThin) continue;
    clean = false;
    rep.add("ThinAirRead", rh.describe(r) + " returned a value that no write wrote", {r});
  }
  if (!co_acyclic) {
    const auto cyc = find_event_cycle(rh, {}, left);
    rep.add("CyclicCO",
            "session order and read-from form a cycle, so causal order is not a partial "
            "order: " + cycle_text(rh, cyc),
            cyc);
    return false;
  }
  for (uint32_t r = 0; r < rh.events.size(); ++r) {
    const Event& ev = rh.events[r];
    if (ev.is_write || ev.read_from == kThin) continue;
    for (uint32_t q = 0; q < k; ++q) {
      if (ev.read_from == kInit) {
        const uint32_t w = rh.first_write(ev.key, q);
        if (w != kInit && before(rh, co, w, r)) {
          clean = false;
          rep.add("WriteCOInitRead",
                  rh.describe(r) + " returned the initial value of " + key_of(rh, r) +
                      ", but " + rh.describe(w) + " is in its causal past",
                  {w, r});
          break;
        }
        continue;
      }
      const uint32_t w = ev.read_from;
      const uint32_t w2 = rh.last_write_before(ev.key, q, co.of(r)[q]);
      if (w2 != kInit && w2 != w && before(rh, co, w, w2)) {
        clean = false;
        rep.add("WriteCORead",
                rh.describe(r) + " read from " + rh.describe(w) + ", but " + rh.describe(w2) +
                    " overwrote " + key_of(rh, r) + " causally after it and causally before " +
                    "the read",
                {w, w2, r});
        break;
      }
    }
  }
  return clean;
}

// CM: per session p, hb_p = (co ∪ {w1 -> w2 : r of p reads w2, w1 hb_p r, same key})+ over the
// causal past of p's last op, to a fixpoint. Returns false if a pattern was found.
bool check_cm(const RegisterHistory& rh, const CausalClocks& co, CausalReport& rep,
              std::string& unknown_reason) {
  const uint32_t k = rh.sessions();
  const uint32_t n = static_cast<uint32_t>(rh.events.size());
  bool clean = true;
  std::vector<uint8_t> scope(n);
  CausalClocks hb;
  std::vector<uint32_t> left;
  for (uint32_t p = 0; p < k; ++p) {
    const uint32_t first = rh.session_begin[p], last = rh.session_begin[p + 1];
    bool has_read = false;
    for (uint32_t e = first; e < last; ++e) has_read |= !rh.events[e].is_write;
    if (!has_read) continue;
    const uint32_t o = last - 1;
    for (uint32_t e = 0; e < n; ++e)
      scope[e] = co.of(o)[rh.events[e].session] > rh.events[e].pos;
    std::vector<std::pair<uint32_t, uint32_t>> derived;
    std::unordered_set<uint64_t> seen;
    constexpr int kMaxRounds = 100'000;
    int round = 0;
    for (;; ++round) {
      if (round == kMaxRounds) {
        unknown_reason = "causal-memory fixpoint did not settle within " +
                         std::to_string(kMaxRounds) + " rounds";
        return clean;
      }
      if (!compute_clocks(rh, derived, scope, hb, left)) {
        const auto cyc = find_event_cycle(rh, derived, left);
        clean = false;
        rep.add("CyclicHB",
                "for process session " + std::to_string(p) +
                    ", causal order plus the write order its reads force is cyclic: " +
                    cycle_text(rh, cyc),
                cyc);
        break;
      }
      bool grew = false;
      for (uint32_t r = first; r < last; ++r) {
        const Event& ev = rh.events[r];
        if (ev.is_write || ev.read_from >= kInit) continue;
        for (uint32_t q = 0; q < k; ++q) {
          const uint32_t w1 = rh.last_write_before(ev.key, q, hb.of(r)[q]);
          if (w1 == kInit || w1 == ev.read_from) continue;
          if (seen.insert((uint64_t{w1} << 32) | ev.read_from).second) {
            derived.emplace_back(w1, ev.read_from);
            grew = true;
          }
        }
      }
      if (grew) continue;
      for (uint32_t r = first; r < last; ++r) {
        const Event& ev = rh.events[r];
        if (ev.is_write || ev.read_from != kInit) continue;
        for (uint32_t q = 0; q < k; ++q) {
          const uint32_t w = rh.first_write(ev.key, q);
          if (w != kInit && hb.of(r)[q] > rh.events[w].pos) {
            clean = false;
            rep.add("WriteHBInitRead",
                    rh.describe(r) + " returned the initial value of " + key_of(rh, r) +
                        ", but in its session's causal-memory order " + rh.describe(w) +
                        " comes before it",
                    {w, r});
            break;
          }
        }
      }
      break;
    }
  }
  return clean;
}

// CCv: co ∪ cf acyclic, cf = {w1 -> w2 : some read returns w2 with w1 (same key) in its past}.
bool check_ccv(const RegisterHistory& rh, const CausalClocks& co, CausalReport& rep,
               std::vector<uint32_t>& arbitration) {
  const uint32_t k = rh.sessions();
  std::vector<std::pair<uint32_t, uint32_t>> cf;
  for (uint32_t r = 0; r < rh.events.size(); ++r) {
    const Event& ev = rh.events[r];
    if (ev.is_write || ev.read_from >= kInit) continue;
    for (uint32_t q = 0; q < k; ++q) {
      const uint32_t w1 = rh.last_write_before(ev.key, q, co.of(r)[q]);
      if (w1 != kInit && w1 != ev.read_from) cf.emplace_back(w1, ev.read_from);
    }
  }
  CausalClocks tmp;
  std::vector<uint32_t> left;
  if (compute_clocks(rh, cf, {}, tmp, left, &arbitration)) return true;
  const auto cyc = find_event_cycle(rh, cf, left);
  rep.add("CyclicCF",
          "no single order of writes explains the reads: causal order plus the conflict order "
          "(w1 before w2 whenever a read that causally sees w1 returns w2) is cyclic: " +
              cycle_text(rh, cyc),
          cyc);
  return false;
}

}  // namespace

CheckResult check_causal(const History& history, const CausalOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const RegisterHistory rh = RegisterHistory::compile(history, options.initial_value);
  CheckResult r;
  r.stats = {{"ops", rh.events.size()}, {"sessions", rh.sessions()}};
  if (!rh.duplicate_write.empty()) {
    r.verdict = Verdict::Unknown;
    r.reason = rh.duplicate_write;
    return r;
  }
  if (static_cast<int64_t>(rh.events.size()) * rh.sessions() > options.max_clock_entries) {
    r.verdict = Verdict::Unknown;
    r.reason = "vector clocks would need " + std::to_string(rh.events.size()) + " x " +
               std::to_string(rh.sessions()) + " entries, over max_clock_entries";
    return r;
  }
  CausalReport rep(options.max_reported_per_type, rh);
  CausalClocks co;
  std::vector<uint32_t> left;
  const bool acyclic = compute_clocks(rh, {}, {}, co, left);
  const bool cc = check_cc(rh, co, acyclic, left, rep);
  bool cm = false, ccv = false;
  std::vector<uint32_t> arbitration;
  std::string unknown;
  if (cc) {
    cm = check_cm(rh, co, rep, unknown);
    ccv = check_ccv(rh, co, rep, arbitration);
  }
  std::vector<std::string> impossible, possible;
  (cc ? possible : impossible).push_back("causal");
  (cm ? possible : impossible).push_back("causal-memory");
  (ccv ? possible : impossible).push_back("causal-convergence");
  const bool ok = options.model == CausalModel::CC ? cc
                  : options.model == CausalModel::CM ? cm
                                                     : ccv;
  if (!ok) {
    r.verdict = Verdict::Invalid;
  } else if (!unknown.empty() && options.model == CausalModel::CM) {
    r.verdict = Verdict::Unknown;
    r.reason = unknown;
  } else {
    r.verdict = Verdict::Valid;
  }
  r.anomalies = rep.anomalies();
  // CM and CCv each imply CC and are incomparable, so the weakest violated models are CC
  // alone when CC fails, else whichever of CM / CCv fail.
  r.witness = {{"patterns", rep.types()},
               {"pattern_counts", rep.counts()},
               {"not", cc ? Json(impossible) : Json::array({"causal"})},
               {"also_not", cc ? Json::array()
                               : Json::array({"causal-memory", "causal-convergence"})},
               {"possible", possible}};
  if (ccv && options.model == CausalModel::CCv) {
    // A total order of all ops extending causal and conflict order: the arbitration order
    // under which every read returns the last write to its key in its causal past.
    Json order = Json::array();
    for (uint32_t e : arbitration) order.push_back(rh.op_index(e));
    r.witness["arbitration_order"] = std::move(order);
  }
  r.stats["model"] = to_string(options.model);
  r.stats["time_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace faultline::checker::causal
