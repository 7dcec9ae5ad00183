// Session guarantees (Terry et al., PDIS 1994) as checks on register histories; see
// check_causal.h for the exact definitions. All use the causal vector clocks to decide whether
// a returned write is "older" than a required one.
#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <unordered_map>

#include "causal_report.h"
#include "faultline/checker/causal/check_causal.h"
#include "register_history.h"

namespace faultline::checker::causal {

std::string to_string(SessionGuarantee g) {
  switch (g) {
    case SessionGuarantee::ReadYourWrites: return "read-your-writes";
    case SessionGuarantee::MonotonicReads: return "monotonic-reads";
    case SessionGuarantee::MonotonicWrites: return "monotonic-writes";
    case SessionGuarantee::WritesFollowReads: return "writes-follow-reads";
  }
  return "?";
}

SessionGuarantee session_guarantee_from_string(const std::string& name) {
  for (auto g : {SessionGuarantee::ReadYourWrites, SessionGuarantee::MonotonicReads,
                 SessionGuarantee::MonotonicWrites, SessionGuarantee::WritesFollowReads})
    if (to_string(g) == name) return g;
  throw std::invalid_argument("unknown session guarantee \"" + name +
                              "\" (use read-your-writes, monotonic-reads, monotonic-writes or "
                              "writes-follow-reads)");
}

namespace {

class SessionChecker {
 public:
  SessionChecker(const RegisterHistory& rh, const CausalClocks& co, CausalReport& rep)
      : rh_(rh), co_(co), rep_(rep), k_(rh.sessions()) {}

  // The read returned something older than `required` (a write to the same key).
  bool older(uint32_t read, uint32_t required) const {
    const uint32_t got = rh_.events[read].read_from;
    if (got == kThin) return false;  // a thin-air read is CC's business, not ordering
    if (got == kInit) return true;
    return got != required && before(rh_, co_, got, required);
  }

  void violation(SessionGuarantee g, uint32_t read, uint32_t required, const std::string& why) {
    const uint32_t got = rh_.events[read].read_from;
    std::string text = rh_.describe(read) + " returned " +
                       (got == kInit ? std::string("the initial value")
                                     : "the value of " + rh_.describe(got)) +
                       ", older than " + rh_.describe(required) + ", which " + why;
    std::vector<uint32_t> ops = {required, read};
    if (got < kInit) ops.insert(ops.begin(), got);
    rep_.add(to_string(g), text, ops);
  }

  void read_your_writes() {
    for (uint32_t r = 0; r < rh_.events.size(); ++r) {
      const Event& ev = rh_.events[r];
      if (ev.is_write) continue;
      const uint32_t own = rh_.last_write_before(ev.key, ev.session, ev.pos);
      if (own != kInit && older(r, own))
        violation(SessionGuarantee::ReadYourWrites, r, own, "the same session wrote earlier");
    }
  }

  void monotonic_reads() {
    for (uint32_t p = 0; p < k_; ++p) {
      // Per key: the co-maximal writes earlier reads of this session returned (an antichain,
      // so at most one per session).
      std::unordered_map<uint32_t, std::vector<uint32_t>> seen;
      for (uint32_t r = rh_.session_begin[p]; r < rh_.session_begin[p + 1]; ++r) {
        const Event& ev = rh_.events[r];
        if (ev.is_write || ev.read_from == kThin) continue;
        auto& front = seen[ev.key];
        bool bad = false;
        for (uint32_t f : front) {
          if (older(r, f)) {
            violation(SessionGuarantee::MonotonicReads, r, f,
                      "an earlier read of this session returned");
            bad = true;
            break;
          }
        }
        if (bad || ev.read_from == kInit) continue;
        const uint32_t w = ev.read_from;
        front.erase(std::remove_if(front.begin(), front.end(),
                                   [&](uint32_t f) { return before(rh_, co_, f, w) || f == w; }),
                    front.end());
        front.push_back(w);
      }
    }
  }

  // required[q] = a position bound in session q; writes to the read's key strictly below it
  // are required.
  void check_required(SessionGuarantee g, uint32_t r, const std::vector<uint32_t>& bound,
                      const char* why) {
    const Event& ev = rh_.events[r];
    for (uint32_t q = 0; q < k_; ++q) {
      if (bound[q] == 0) continue;
      const uint32_t w = rh_.last_write_before(ev.key, q, bound[q]);
      if (w != kInit && older(r, w)) {
        violation(g, r, w, why);
        return;
      }
    }
  }

  void monotonic_writes() {
    std::vector<uint32_t> observed(k_);
    for (uint32_t p = 0; p < k_; ++p) {
      std::fill(observed.begin(), observed.end(), 0);  // pos of latest observed write per q
      for (uint32_t r = rh_.session_begin[p]; r < rh_.session_begin[p + 1]; ++r) {
        const Event& ev = rh_.events[r];
        if (ev.is_write) continue;
        check_required(SessionGuarantee::MonotonicWrites, r, observed,
                       "precedes, in its own session, a write this session observed earlier");
        if (ev.read_from < kInit) {
          const Event& w = rh_.events[ev.read_from];
          observed[w.session] = std::max(observed[w.session], w.pos);
        }
      }
    }
  }

  void writes_follow_reads() {
    // For every write: per session q, 1 + the highest position of a q-write its session had
    // read before it (0 = none).
    std::vector<uint32_t> wfr(static_cast<size_t>(rh_.events.size()) * k_, 0);
    std::vector<uint32_t> run(k_);
    for (uint32_t p = 0; p < k_; ++p) {
      std::fill(run.begin(), run.end(), 0);
      for (uint32_t e = rh_.session_begin[p]; e < rh_.session_begin[p + 1]; ++e) {
        const Event& ev = rh_.events[e];
        if (ev.is_write) {
          std::copy(run.begin(), run.end(), wfr.begin() + static_cast<size_t>(e) * k_);
        } else if (ev.read_from < kInit) {
          const Event& w = rh_.events[ev.read_from];
          run[w.session] = std::max(run[w.session], w.pos + 1);
        }
      }
    }
    std::vector<uint32_t> required(k_);
    for (uint32_t p = 0; p < k_; ++p) {
      std::fill(required.begin(), required.end(), 0);
      for (uint32_t r = rh_.session_begin[p]; r < rh_.session_begin[p + 1]; ++r) {
        const Event& ev = rh_.events[r];
        if (ev.is_write) continue;
        check_required(SessionGuarantee::WritesFollowReads, r, required,
                       "was read, before writing, by the writer of a write this session "
                       "observed earlier");
        if (ev.read_from < kInit) {
          const uint32_t* need = wfr.data() + static_cast<size_t>(ev.read_from) * k_;
          for (uint32_t q = 0; q < k_; ++q) required[q] = std::max(required[q], need[q]);
        }
      }
    }
  }

 private:
  const RegisterHistory& rh_;
  const CausalClocks& co_;
  CausalReport& rep_;
  uint32_t k_;
};

}  // namespace

CheckResult check_session_guarantees(const History& history, const SessionOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const RegisterHistory rh = RegisterHistory::compile(history, options.initial_value);
  CheckResult r;
  r.stats = {{"ops", rh.events.size()}, {"sessions", rh.sessions()}};
  if (!rh.duplicate_write.empty()) {
    r.verdict = Verdict::Unknown;
    r.reason = rh.duplicate_write;
    return r;
  }
  if (static_cast<int64_t>(rh.events.size()) * rh.sessions() * 2 > options.max_clock_entries) {
    r.verdict = Verdict::Unknown;
    r.reason = "vector clocks would exceed max_clock_entries";
    return r;
  }
  CausalClocks co;
  std::vector<uint32_t> left;
  if (!compute_clocks(rh, {}, {}, co, left)) {
    r.verdict = Verdict::Unknown;
    r.reason = "session order plus read-from is cyclic (CyclicCO), so which write is older is "
               "undefined; run the causal check for the cycle";
    return r;
  }
  CausalReport rep(options.max_reported_per_type, rh);
  SessionChecker c(rh, co, rep);
  for (SessionGuarantee g : options.guarantees) {
    switch (g) {
      case SessionGuarantee::ReadYourWrites: c.read_your_writes(); break;
      case SessionGuarantee::MonotonicReads: c.monotonic_reads(); break;
      case SessionGuarantee::MonotonicWrites: c.monotonic_writes(); break;
      case SessionGuarantee::WritesFollowReads: c.writes_follow_reads(); break;
    }
  }
  r.verdict = rep.empty() ? Verdict::Valid : Verdict::Invalid;
  r.anomalies = rep.anomalies();
  r.witness = {{"violated", rep.types()}, {"counts", rep.counts()}};
  r.stats["time_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace faultline::checker::causal
