// Test helpers for workloads: drive a workload's configured generator against SutClients on
// real threads (recording the history the way the runner does: invocation before the call,
// completion after it), hand-written histories, and SutClient wrappers that inject bugs.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "faultline/workloads/workload.h"

namespace faultline::workloads::test {

// Runs the workload's main phase (about n_ops ops, `concurrency` processes on threads, each with
// its own client from make_client(process)), then its final phase after all main ops completed.
inline History run_workload(const Workload& w,
                            const std::function<std::unique_ptr<SutClient>(int64_t)>& make_client,
                            int concurrency, int64_t n_ops, uint64_t seed,
                            WorkloadOptions opts = {}) {
  GeneratorConfig config;
  opts.concurrency = concurrency;
  w.configure(config, opts);
  config.seed = seed;
  config.concurrency = concurrency;
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
          Op inv;
          inv.process = process;
          inv.type = OpType::Invoke;
          inv.f = r.f;
          inv.value = r.value;
          inv.key = r.key;
          inv.node = client->node();
          {
            std::lock_guard<std::mutex> lock(mu);
            history.add(inv);
          }
          Op done;
          try {
            done = w.invoke(inv, *client);
          } catch (const Indeterminate& e) {
            done = completion(inv, OpType::Info);
            done.error = e.what();
          } catch (const NotSent& e) {
            done = completion(inv, OpType::Fail);
            done.error = e.what();
          }
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

// Builds histories by hand: invoke() returns the op's index.
struct HistoryBuilder {
  History h;
  int64_t invoke(int64_t process, const std::string& f, Json value = nullptr) {
    Op op;
    op.process = process;
    op.type = OpType::Invoke;
    op.f = f;
    op.value = std::move(value);
    h.add(op);
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

inline ScriptedClient::Step ok(Json v) { return {Reply{true, std::move(v), "", ""}}; }
inline ScriptedClient::Step err(const std::string& code) { return {Reply{false, nullptr, code, ""}}; }
inline ScriptedClient::Step thrown(ScriptedClient::Throw t) { return {Reply{}, t}; }

inline Op invocation(const std::string& f, Json value = nullptr, int64_t process = 0) {
  Op op;
  op.process = process;
  op.type = OpType::Invoke;
  op.f = f;
  op.value = std::move(value);
  return op;
}

}  // namespace faultline::workloads::test
