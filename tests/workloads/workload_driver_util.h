// Test helpers for workloads: a tiny single-threaded stand-in for the runner, and SutClient
// wrappers that inject faults.
//
// run_workload() drives the generator configured by the workload (seeded, no rate, a bounded op
// count) in rounds: each round records the invocations of up to `concurrency` ops, then invokes
// them one by one in a shuffled order and records each completion right after its invoke()
// returns. Every op therefore takes effect between its invocation and its completion, so the
// recorded history is a legal concurrent history of whatever the clients did. Indeterminate
// becomes info (the process is retired and a fresh id takes its place), NotSent becomes fail.
#pragma once
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <variant>
#include <vector>

#include "faultline/core/history.h"
#include "faultline/workloads/workload.h"

namespace faultline::workloads::testutil {

// A SutClient whose call() is a function (wraps another client to inject faults).
class FnClient : public SutClient {
 public:
  explicit FnClient(std::function<Reply(const Json&)> fn) : fn_(std::move(fn)) {}
  const std::string& node() const override { return node_; }
  Reply call(const Json& request) override { return fn_(request); }

 private:
  std::function<Reply(const Json&)> fn_;
  std::string node_ = "fn";
};

struct RunOptions {
  uint64_t seed = 1;
  int concurrency = 3;
  size_t max_ops = 200;  // main-phase ops (the final phase is always run)
  WorkloadOptions wopts = {};
};

// client_for(process) gives the client of a process (called once per fresh process id).
inline History run_workload(const Workload& w, const RunOptions& ro,
                            const std::function<SutClient&(int64_t)>& client_for) {
  GeneratorConfig cfg;
  cfg.seed = ro.seed;
  cfg.concurrency = ro.concurrency;
  WorkloadOptions wo = ro.wopts;
  wo.concurrency = ro.concurrency;
  w.configure(cfg, wo);
  cfg.seed = ro.seed;
  cfg.concurrency = ro.concurrency;
  cfg.time_limit_ns = 1'000'000'000'000;  // the op count bounds the run
  GeneratorState st = initial_state(cfg);
  std::mt19937_64 shuffle_rng(ro.seed ^ 0x9e3779b97f4a7c15ULL);
  History h;
  std::vector<int64_t> procs;
  for (int64_t p = 0; p < ro.concurrency; ++p) procs.push_back(p);
  int64_t next_proc = ro.concurrency;
  int64_t now = 0;
  size_t main_ops = 0;
  bool final_phase = false;
  for (int guard = 0; guard < 100000; ++guard) {
    // One round: collect up to `concurrency` ops on distinct processes.
    std::vector<std::pair<Op, size_t>> round;  // invocation, slot in procs
    bool exhausted = false;
    for (size_t slot = 0; slot < procs.size(); ++slot) {
      if (!final_phase && main_ops >= ro.max_ops) {
        // Jump past the time limit so the generator moves to its final phase.
        now = cfg.time_limit_ns + 1;
      }
      Step s = next(cfg, st, GenContext{now, procs[slot]});
      if (auto* r = std::get_if<ScheduleRecord>(&s)) {
        if (r->phase < 0) final_phase = true; else ++main_ops;
        Op inv;
        inv.process = procs[slot];
        inv.type = OpType::Invoke;
        inv.f = r->f;
        inv.value = r->value;
        inv.key = r->key;
        inv.time_ns = ++now;
        h.add(inv);
        round.emplace_back(h.ops().back(), slot);
      } else if (std::holds_alternative<Exhausted>(s)) {
        exhausted = true;
        break;
      } else {
        now = std::max(now + 1, std::get<Pending>(s).until_ns);
        break;
      }
    }
    std::shuffle(round.begin(), round.end(), shuffle_rng);
    for (auto& [inv, slot] : round) {
      Op done;
      try {
        done = w.invoke(inv, client_for(inv.process));
      } catch (const Indeterminate& e) {
        done = completion(inv, OpType::Info);
        done.error = std::string("indeterminate: ") + e.what();
      } catch (const NotSent& e) {
        done = completion(inv, OpType::Fail);
        done.error = std::string("not-sent: ") + e.what();
      }
      done.index = -1;
      done.time_ns = ++now;
      h.add(done);
      if (done.type == OpType::Info) procs[slot] = next_proc++;
    }
    if (exhausted) break;
  }
  h.pair();
  return h;
}

// Every process shares one client.
inline History run_workload(const Workload& w, const RunOptions& ro, SutClient& client) {
  return run_workload(w, ro, [&](int64_t) -> SutClient& { return client; });
}

// The anomaly-list members of a result naming op `index`.
inline bool json_mentions_index(const Json& j, int64_t index) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if ((it.key() == "index" || it.key() == "op" || it.key() == "invoke_index" ||
           it.key() == "complete_index") &&
          it.value() == index)
        return true;
      if (json_mentions_index(it.value(), index)) return true;
    }
  } else if (j.is_array()) {
    for (const Json& e : j)
      if (json_mentions_index(e, index)) return true;
  }
  return false;
}

}  // namespace faultline::workloads::testutil
