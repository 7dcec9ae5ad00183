// Test helpers for workloads (the one shared header of tests/workloads/).
//
// Recording histories:
//   - Recorder: records invocations/completions of invoke() calls into a History the way the
//     runner does, with the interleaving chosen by the test.
//   - HistoryBuilder: hand-written histories (no workload involved); random_history() drives one
//     at random over three processes; completion_positions() pairs one for an oracle.
//   - invocation(): a bare invocation op for calling Workload::invoke() directly.
// Configuration: validated_config(), configured_generator().
// Drivers of a workload's own configured generator (each seeded and bounded in op count):
//   - drive_random(): one process per client, invocations and completions interleaved at random,
//     single-threaded (Recorder-based). SutClient exceptions propagate.
//   - run_workload(): rounds of up to `concurrency` invocations, then their invokes in a shuffled
//     order, single-threaded; the final phase runs after the main ops. Indeterminate becomes
//     info (the process is retired, a fresh id takes its place), NotSent becomes fail.
//   - run_workload_threaded(): the main phase then the final phase, one real thread per
//     process. Indeterminate becomes info (the rest of that process's ops are dropped),
//     NotSent becomes fail.
//   In all of them every op takes effect between its invocation and its completion, so the
//   recorded history is a legal concurrent history of whatever the clients did.
// SutClients and fault injection:
//   - FnClient: replies from a function (records the requests);
//   - HookClient: passes requests to an inner client unless a hook answers them;
//   - ScriptedClient: replies / throws from a fixed script (records the requests);
//   - CasAlwaysWins, LaggingFollower, AppendDropper: buggy KV stores over a MemoryKv.
// Result inspection: anomaly_types(), find_anomaly(), json_mentions_index().
#pragma once
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "faultline/core/history.h"
#include "faultline/workloads/workload.h"

namespace faultline::workloads::testing {

// ---------------------------------------------------------------------------------------------
// Replies and ops.

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

// An invocation (no index, no time) of f with value on key, by process.
inline Op invocation(const std::string& f, Json value = nullptr, int64_t process = 0,
                     Json key = nullptr) {
  Op op;
  op.process = process;
  op.type = OpType::Invoke;
  op.f = f;
  op.value = std::move(value);
  op.key = std::move(key);
  return op;
}

// ---------------------------------------------------------------------------------------------
// Recording.

// Records a history the way the runner does: begin() appends the invocation, end() runs
// invoke() (the op takes effect there, inside its [invocation, completion] interval) and
// appends the completion.
class Recorder {
 public:
  explicit Recorder(const Workload& w) : w_(w) {}
  // Returns the invocation's index.
  int64_t begin(int64_t process, const std::string& f, Json value = nullptr, Json key = nullptr) {
    Op op = invocation(f, std::move(value), process, std::move(key));
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

// Builds histories by hand: invoke() / complete() return the op's index.
struct HistoryBuilder {
  History h;
  int64_t invoke(int64_t process, const std::string& f, Json value = nullptr) {
    h.add(invocation(f, std::move(value), process));
    open[process] = h.size() - 1;
    return static_cast<int64_t>(h.size() - 1);
  }
  int64_t complete(int64_t process, OpType type, Json value = nullptr) {
    Op op;
    op.process = process;
    op.type = type;
    op.f = h[open.at(process)].f;
    op.value = std::move(value);
    h.add(op);
    open.erase(process);
    return static_cast<int64_t>(h.size() - 1);
  }
  std::map<int64_t, size_t> open;
};

// Drives a random small hand-written history (a HistoryBuilder the callbacks hold) over processes 0, 1, 2 (a process whose op ends info is
// retired; a fresh id, 3, 4, ..., takes its slot): `steps` times, a slot is drawn
// (rng() % slots); if its process is idle, start(process, step) invokes an op, else
// finish(process, step) completes its open op and returns the completion's type.
template <class Rng>
void random_history(Rng& rng, int steps,
                    const std::function<void(int64_t process, int step)>& start,
                    const std::function<OpType(int64_t process, int step)>& finish) {
  std::vector<int64_t> procs = {0, 1, 2};
  std::map<int64_t, bool> busy;
  int64_t next_process = 3;
  for (int e = 0; e < steps; ++e) {
    const size_t slot = rng() % procs.size();
    const int64_t p = procs[slot];
    if (!busy[p]) {
      start(p, e);
      busy[p] = true;
    } else {
      const OpType t = finish(p, e);
      busy[p] = false;
      if (t == OpType::Info) procs[slot] = next_process++;
    }
  }
}

// For each position of a hand-written history (every completion matches an open invocation of
// its process): the position of the invocation's completion, -1 for completions and open ops.
inline std::vector<int64_t> completion_positions(const std::vector<Op>& ops) {
  std::vector<int64_t> comp(ops.size(), -1);
  std::map<int64_t, size_t> open;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].type == OpType::Invoke) {
      open[ops[i].process] = i;
    } else {
      comp[open.at(ops[i].process)] = static_cast<int64_t>(i);
      open.erase(ops[i].process);
    }
  }
  return comp;
}

// ---------------------------------------------------------------------------------------------
// Drivers.

// w's configure() result for default options with opts.concurrency = concurrency, checked by
// validate() (throws when invalid).
inline GeneratorConfig validated_config(const Workload& w, int concurrency) {
  WorkloadOptions o;
  o.concurrency = concurrency;
  GeneratorConfig c;
  w.configure(c, o);
  validate(c);
  return c;
}

// w's generator configuration for `concurrency` processes and `seed` (opts.concurrency is set to
// concurrency before configure()).
inline GeneratorConfig configured_generator(const Workload& w, uint64_t seed, int concurrency,
                                            WorkloadOptions opts = {}) {
  GeneratorConfig c;
  c.seed = seed;
  c.concurrency = concurrency;
  opts.concurrency = concurrency;
  w.configure(c, opts);
  c.seed = seed;
  c.concurrency = concurrency;
  return c;
}

// invoke() with the runner's mapping of SutClient exceptions: Indeterminate -> info,
// NotSent -> fail, the error being `prefix` + what() ("indeterminate: " / "not-sent: " when
// `prefixed`).
inline Op invoke_mapping_exceptions(const Workload& w, const Op& inv, SutClient& client,
                                    bool prefixed) {
  try {
    return w.invoke(inv, client);
  } catch (const Indeterminate& e) {
    Op done = completion(inv, OpType::Info);
    done.error = std::string(prefixed ? "indeterminate: " : "") + e.what();
    return done;
  } catch (const NotSent& e) {
    Op done = completion(inv, OpType::Fail);
    done.error = std::string(prefixed ? "not-sent: " : "") + e.what();
    return done;
  }
}

// Drives `w` with its own generator (configure(), seed) over `processes` processes, interleaving
// invocations and completions at random, for `n` invocations; then completes everything still
// open. client_of(process) gives each process its client. Returns the recorded history.
inline History drive_random(const Workload& w, uint64_t seed, int processes, int n,
                            const std::function<SutClient&(int64_t)>& client_of,
                            WorkloadOptions opts = {}) {
  GeneratorConfig c = configured_generator(w, seed, processes, std::move(opts));
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

struct RunOptions {
  uint64_t seed = 1;
  int concurrency = 3;
  size_t max_ops = 200;  // main-phase ops (the final phase is always run)
  WorkloadOptions wopts = {};
};

// client_for(process) gives the client of a process (called once per fresh process id).
inline History run_workload(const Workload& w, const RunOptions& ro,
                            const std::function<SutClient&(int64_t)>& client_for) {
  GeneratorConfig cfg = configured_generator(w, ro.seed, ro.concurrency, ro.wopts);
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
        Op inv = invocation(r->f, r->value, procs[slot], r->key);
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
      Op done = invoke_mapping_exceptions(w, inv, client_for(inv.process), true);
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

// Runs the workload's main phase (about n_ops ops, `concurrency` processes on threads, each with
// its own client from make_client(process)), then its final phase after all main ops completed.
inline History run_workload_threaded(
    const Workload& w, const std::function<std::unique_ptr<SutClient>(int64_t)>& make_client,
    int concurrency, int64_t n_ops, uint64_t seed, WorkloadOptions opts = {}) {
  GeneratorConfig config = configured_generator(w, seed, concurrency, std::move(opts));
  config.rate_per_s = 0;
  config.time_limit_ns = n_ops * 1'000'000;
  GeneratorState state = initial_state(config);
  std::vector<ScheduleRecord> main_ops, final_ops;
  int64_t now = 0;
  for (int64_t guard = 0; guard < 10 * n_ops + 1000; ++guard) {
    Step step = next(config, state, GenContext{now, guard % concurrency});
    if (auto* r = std::get_if<ScheduleRecord>(&step)) {
      (r->phase == -1 ? final_ops : main_ops).push_back(*r);
      now += 1'000'000;
    } else if (auto* p = std::get_if<Pending>(&step)) {
      now = std::max(now + 1, p->until_ns);
    } else {
      break;
    }
  }
  History history;
  std::mutex mu;
  auto run_phase = [&](const std::vector<ScheduleRecord>& recs) {
    std::map<int64_t, std::vector<ScheduleRecord>> by_process;
    for (const auto& r : recs) by_process[r.process].push_back(r);
    std::vector<std::thread> threads;
    for (auto& [process, list] : by_process) {
      threads.emplace_back([&, process = process, list = list] {
        auto client = make_client(process);
        for (const auto& r : list) {
          Op inv = invocation(r.f, r.value, process, r.key);
          inv.node = client->node();
          {
            std::lock_guard<std::mutex> lock(mu);
            history.add(inv);
          }
          Op done = invoke_mapping_exceptions(w, inv, *client, false);
          {
            std::lock_guard<std::mutex> lock(mu);
            history.add(done);
          }
          if (done.type == OpType::Info) return;  // retired; remaining ops of this process dropped
        }
      });
    }
    for (auto& t : threads) t.join();
  };
  run_phase(main_ops);
  run_phase(final_ops);
  return history;
}

// ---------------------------------------------------------------------------------------------
// Clients.

// A client whose replies come from a function (scripted errors, throws; or a wrapper of another
// client that injects faults). Records the requests.
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

// A client that passes requests to `inner` unless `hook` answers them itself.
class HookClient : public SutClient {
 public:
  using Hook = std::function<std::optional<Reply>(const Json& request, SutClient& inner)>;
  HookClient(std::unique_ptr<SutClient> inner, Hook hook)
      : inner_(std::move(inner)), hook_(std::move(hook)) {}
  const std::string& node() const override { return inner_->node(); }
  Reply call(const Json& request) override {
    if (auto r = hook_(request, *inner_)) return *r;
    return inner_->call(request);
  }

 private:
  std::unique_ptr<SutClient> inner_;
  Hook hook_;
};

// Answers every request from a fixed script (one reply or exception per call, in order).
class ScriptedClient : public SutClient {
 public:
  enum class Throw { None, Indeterminate, NotSent };
  struct Step {
    Reply reply;
    Throw thrown = Throw::None;
  };
  explicit ScriptedClient(std::vector<Step> steps) : steps_(std::move(steps)) {}
  const std::string& node() const override { return node_; }
  Reply call(const Json& request) override {
    requests.push_back(request);
    if (next_ >= steps_.size()) throw std::logic_error("script exhausted");
    const Step& s = steps_[next_++];
    if (s.thrown == Throw::Indeterminate) throw Indeterminate("connection lost");
    if (s.thrown == Throw::NotSent) throw NotSent("cannot connect");
    return s.reply;
  }
  std::vector<Json> requests;

 private:
  std::vector<Step> steps_;
  size_t next_ = 0;
  std::string node_ = "scripted";
};

inline ScriptedClient::Step ok(Json v) { return {ok_reply(std::move(v))}; }
inline ScriptedClient::Step err(const std::string& code) { return {error_reply(code)}; }
inline ScriptedClient::Step thrown(ScriptedClient::Throw t) { return {Reply{}, t}; }

// Bug: a cas always succeeds (applied as a plain write, whatever the current value).
class CasAlwaysWins : public HookClient {
 public:
  explicit CasAlwaysWins(MemoryKv& kv)
      : HookClient(kv.client("buggy"), [](const Json& request, SutClient& inner) -> std::optional<Reply> {
          if (request.value("op", "") != "cas") return std::nullopt;
          return inner.call({{"op", "write"}, {"key", request["key"]}, {"value", request["value"]}});
        }) {}
};

// Bug: the n-th "append" request (counted over every client made by client()) is acknowledged
// but not applied; `dropped` is its value (null until then). The clients are for one thread.
class AppendDropper {
 public:
  AppendDropper(MemoryKv& kv, int n) : kv_(kv), n_(n) {}
  std::unique_ptr<SutClient> client() {
    return std::make_unique<HookClient>(
        kv_.client(), [this](const Json& req, SutClient&) -> std::optional<Reply> {
          if (req.at("op") == "append" && ++appends_ == n_) {
            dropped = req.at("value");
            return ok_reply();
          }
          return std::nullopt;
        });
  }
  Json dropped;

 private:
  MemoryKv& kv_;
  int n_;
  int appends_ = 0;
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

// ---------------------------------------------------------------------------------------------
// Results.

// The "type"s of a result's "anomalies" list.
inline std::set<std::string> anomaly_types(const Json& r) {
  std::set<std::string> out;
  for (const Json& a : r["anomalies"]) out.insert(a["type"].get<std::string>());
  return out;
}

// The first member of a result's "anomalies" of `type` (null when none).
inline Json find_anomaly(const Json& r, const std::string& type) {
  for (const Json& a : r["anomalies"]) {
    if (a["type"] == type) return a;
  }
  return nullptr;
}

// Whether a result (any nesting) names op `index` under "index", "op", "invoke_index" or
// "complete_index".
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

}  // namespace faultline::workloads::testing
