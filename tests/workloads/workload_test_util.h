// Test helpers for workloads: record invocations/completions of invoke() calls into a History
// (interleavings chosen by the test), and SutClient wrappers.
#pragma once
#include <functional>
#include <variant>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "faultline/core/history.h"
#include "faultline/workloads/workload.h"

namespace faultline::workloads::testing {

// Records a history the way the runner does: begin() appends the invocation, end() runs
// invoke() (the op takes effect there, inside its [invocation, completion] interval) and
// appends the completion.
class Recorder {
 public:
  explicit Recorder(const Workload& w) : w_(w) {}
  // Returns the invocation's index.
  int64_t begin(int64_t process, const std::string& f, Json value = nullptr, Json key = nullptr) {
    Op op;
    op.process = process;
    op.f = f;
    op.value = std::move(value);
    op.key = std::move(key);
    op.time_ns = t_++;
    h_.add(op);
    const int64_t idx = h_.ops().back().index;
    open_[process] = idx;
    return idx;
  }
  // Completes process's open op through client; returns the completion.
  Op end(int64_t process, SutClient& client) {
    const Op inv = h_.ops()[static_cast<size_t>(open_.at(process))];
    open_.erase(process);
    Op done = w_.invoke(inv, client);
    done.time_ns = t_++;
    h_.add(done);
    return h_.ops().back();
  }
  Op run(int64_t process, SutClient& client, const std::string& f, Json value = nullptr,
         Json key = nullptr) {
    begin(process, f, std::move(value), std::move(key));
    return end(process, client);
  }
  // Appends an arbitrary op (e.g. a hand-made completion).
  void add(Op op) {
    op.time_ns = t_++;
    h_.add(std::move(op));
  }
  const History& history() const { return h_; }

 private:
  const Workload& w_;
  History h_;
  std::map<int64_t, int64_t> open_;
  int64_t t_ = 0;
};

// A client whose replies come from a function (scripted errors, throws).
class FnClient : public SutClient {
 public:
  explicit FnClient(std::function<Reply(const Json&)> fn) : fn_(std::move(fn)) {}
  const std::string& node() const override { return node_; }
  Reply call(const Json& request) override {
    requests.push_back(request);
    return fn_(request);
  }
  std::vector<Json> requests;

 private:
  std::function<Reply(const Json&)> fn_;
  std::string node_ = "fn";
};

inline Reply ok_reply(Json v = nullptr) {
  Reply r;
  r.ok = true;
  r.value = std::move(v);
  return r;
}
inline Reply error_reply(const std::string& code) {
  Reply r;
  r.error = code;
  return r;
}

// Bug: a cas always succeeds (applied as a plain write, whatever the current value).
class CasAlwaysWins : public SutClient {
 public:
  explicit CasAlwaysWins(MemoryKv& kv) : inner_(kv.client("buggy")) {}
  const std::string& node() const override { return inner_->node(); }
  Reply call(const Json& request) override {
    if (request.value("op", "") == "cas") {
      return inner_->call({{"op", "write"}, {"key", request["key"]}, {"value", request["value"]}});
    }
    return inner_->call(request);
  }

 private:
  std::unique_ptr<SutClient> inner_;
};

// Bug: a lagging follower. Writes and cas go to the leader; reads are answered from the
// follower's own copy (keys "0".."9" and any it was asked about; all null at first), which only
// catches up with the leader when the test calls catch_up().
class LaggingFollower : public SutClient {
 public:
  explicit LaggingFollower(MemoryKv& kv) : kv_(kv), inner_(kv.client("follower")) {
    for (int k = 0; k < 10; ++k) known_[std::to_string(k)];
  }
  const std::string& node() const override { return inner_->node(); }
  Reply call(const Json& request) override {
    const std::string key = request.value("key", "");
    known_[key];
    if (request.value("op", "") == "read") return ok_reply(known_[key]);
    return inner_->call(request);
  }
  void catch_up() {
    for (auto& [k, v] : known_) v = kv_.apply({{"op", "read"}, {"key", k}}).value;
  }

 private:
  MemoryKv& kv_;
  std::unique_ptr<SutClient> inner_;
  std::map<std::string, Json> known_;
};

// Drives `w` with its own generator (configure(), seed) over `processes` processes sharing one
// MemoryKv-backed client per process, interleaving invocations and completions at random, for
// `n` invocations; then completes everything still open. Returns the recorded history.
// `make_client(process)` gives each process its client.
inline History drive_random(const Workload& w, uint64_t seed, int processes, int n,
                            const std::function<SutClient&(int64_t)>& client_of,
                            WorkloadOptions opts = {}) {
  opts.concurrency = processes;
  GeneratorConfig c;
  w.configure(c, opts);
  c.seed = seed;
  c.concurrency = processes;
  GeneratorState s = initial_state(c);
  Recorder rec(w);
  Rng rng{seed * 7919 + 1};
  std::vector<int64_t> free, busy;
  for (int64_t p = 0; p < processes; ++p) free.push_back(p);
  int64_t now = 0;
  int started = 0;
  for (int guard = 0; guard < 100 * n && (started < n || !busy.empty()); ++guard) {
    const bool can_start = started < n && !free.empty();
    if (can_start && (busy.empty() || rng.uniform01() < 0.5)) {
      const size_t i = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(free.size()) - 1));
      const int64_t p = free[i];
      now += 1'000'000;
      Step step = next(c, s, GenContext{now, p});
      auto* r = std::get_if<ScheduleRecord>(&step);
      if (!r) break;
      free.erase(free.begin() + static_cast<long>(i));
      busy.push_back(p);
      rec.begin(p, r->f, r->value, r->key);
      ++started;
    } else if (!busy.empty()) {
      const size_t i = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(busy.size()) - 1));
      const int64_t p = busy[i];
      busy.erase(busy.begin() + static_cast<long>(i));
      free.push_back(p);
      rec.end(p, client_of(p));
    } else {
      break;
    }
  }
  return rec.history();
}

}  // namespace faultline::workloads::testing
