// Simulated transactional databases for property tests: a serial (strict-serializable) store,
// a snapshot-isolation store (first committer wins), and a "random snapshot" store whose reads
// see arbitrary older committed states (usually not serializable). Each returns a History of
// list-append or rw-register transactions; everything is driven by one seed.
#pragma once
#include <map>
#include <random>
#include <vector>

#include "faultline/core/history.h"

namespace faultline::testing {

enum class SimStore { Serial, SnapshotIsolation, RandomSnapshot };

struct SimOptions {
  SimStore store = SimStore::Serial;
  bool list_append = true;
  int txns = 50;
  int processes = 4;
  int keys = 4;
  int max_mops = 4;
  double fail_rate = 0.0;  // serial store: chance a txn aborts (not applied)
  double info_rate = 0.0;  // serial store: chance a txn's outcome is lost (applied or not)
};

class TxnSimulator {
 public:
  TxnSimulator(SimOptions o, uint64_t seed) : o_(o), rng_(seed) {}

  History run() {
    History h;
    struct InFlight {
      int64_t process;
      Json mops;                        // planned micro-ops
      std::map<int, std::vector<int>> snapshot;  // SI: state at start
      size_t commits_at_start = 0;
      bool executed = false;
      Json result;
    };
    std::vector<InFlight> flight;
    std::vector<int64_t> free_procs;
    int64_t next_proc = o_.processes;
    for (int64_t p = 0; p < o_.processes; ++p) free_procs.push_back(p);
    int started = 0;
    while (started < o_.txns || !flight.empty()) {
      const bool can_start = started < o_.txns && !free_procs.empty();
      if (can_start && (flight.empty() || coin(0.5))) {
        const size_t pi = pick(free_procs.size());
        InFlight f;
        f.process = free_procs[pi];
        free_procs.erase(free_procs.begin() + pi);
        f.mops = plan();
        f.snapshot = state_;
        f.commits_at_start = commit_log_.size();
        Op inv;
        inv.process = f.process;
        inv.type = OpType::Invoke;
        inv.f = "txn";
        inv.value = f.mops;
        h.add(inv);
        flight.push_back(std::move(f));
        ++started;
        continue;
      }
      const size_t fi = pick(flight.size());
      InFlight& f = flight[fi];
      if (o_.store == SimStore::Serial && !f.executed && coin(0.5)) {
        // Execute now (atomically), complete later.
        f.result = apply(f.mops, state_, true);
        f.executed = true;
        continue;
      }
      Op done;
      done.process = f.process;
      done.f = "txn";
      done.type = OpType::Ok;
      done.value = f.mops;
      if (o_.store == SimStore::Serial) {
        const bool fails = coin(o_.fail_rate);
        const bool info = !fails && coin(o_.info_rate);
        if (fails && !f.executed) {
          done.type = OpType::Fail;
        } else {
          if (!f.executed) {
            f.result = apply(f.mops, state_, true);
            f.executed = true;
          }
          done.value = f.result;
          if (info) done.type = OpType::Info, done.value = f.mops;
        }
      } else if (o_.store == SimStore::SnapshotIsolation) {
        auto view = f.snapshot;
        Json result = apply(f.mops, view, false);
        bool conflict = false;
        for (size_t c = f.commits_at_start; c < commit_log_.size(); ++c)
          for (int k : commit_log_[c])
            for (const auto& m : f.mops)
              if (m[0] != "r" && m[1].get<int>() == k) conflict = true;
        if (conflict) {
          done.type = OpType::Fail;
        } else {
          apply(f.mops, state_, true);
          done.value = result;
        }
      } else {
        // Random snapshot: each key read from a random past committed state.
        std::map<int, std::vector<int>> view;
        for (int k = 0; k < o_.keys; ++k) {
          const auto& hist = key_history_[k];
          const size_t i = pick(hist.size() + 1);  // 0 = the initial, empty state
          view[k] = i == 0 ? std::vector<int>{} : hist[i - 1];
        }
        done.value = apply(f.mops, view, false);
        apply(f.mops, state_, true);
      }
      h.add(done);
      if (done.type == OpType::Info) {
        free_procs.push_back(next_proc++);
      } else {
        free_procs.push_back(f.process);
      }
      flight.erase(flight.begin() + fi);
    }
    h.pair();
    return h;
  }

  // A final transaction reading every key, appended after everything else (committed).
  void add_final_read(History& h) {
    Json mops = Json::array();
    for (int k = 0; k < o_.keys; ++k) mops.push_back(Json::array({"r", k, nullptr}));
    Op inv;
    inv.process = 10'000;
    inv.type = OpType::Invoke;
    inv.f = "txn";
    inv.value = mops;
    h.add(inv);
    Op done = inv;
    done.index = -1;
    done.type = OpType::Ok;
    done.value = apply(mops, state_, false);
    h.add(done);
    h.pair();
  }

 private:
  bool coin(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  Json plan() {
    Json mops = Json::array();
    const int n = 1 + static_cast<int>(pick(static_cast<size_t>(o_.max_mops)));
    for (int i = 0; i < n; ++i) {
      const int k = static_cast<int>(pick(static_cast<size_t>(o_.keys)));
      if (coin(0.5)) {
        mops.push_back(Json::array({"r", k, nullptr}));
      } else {
        mops.push_back(Json::array({o_.list_append ? "append" : "w", k, ++next_value_[k]}));
      }
    }
    return mops;
  }

  // Runs mops against `st` (own writes visible to own reads); returns the completed mops.
  // commit: also record the txn in the commit log / key histories.
  Json apply(const Json& mops, std::map<int, std::vector<int>>& st, bool commit) {
    Json out = Json::array();
    std::vector<int> written;
    for (const auto& m : mops) {
      const int k = m[1].get<int>();
      auto& cur = st[k];
      if (m[0] == "r") {
        if (o_.list_append) {
          out.push_back(Json::array({"r", k, cur}));
        } else {
          out.push_back(Json::array({"r", k, cur.empty() ? Json(nullptr) : Json(cur.back())}));
        }
      } else {
        if (o_.list_append) {
          cur.push_back(m[2].get<int>());
        } else {
          cur.assign(1, m[2].get<int>());
        }
        written.push_back(k);
        out.push_back(m);
      }
    }
    if (commit) {
      commit_log_.push_back(written);
      for (int k : written) key_history_[k].push_back(st[k]);
    }
    return out;
  }

  SimOptions o_;
  std::mt19937_64 rng_;
  std::map<int, std::vector<int>> state_;
  std::map<int, int> next_value_;
  std::vector<std::vector<int>> commit_log_;
  std::map<int, std::vector<std::vector<int>>> key_history_;
};

}  // namespace faultline::testing
