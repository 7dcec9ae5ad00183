// queue: a queue kept as a list at key "queue" (absent = empty): enqueue appends, dequeue takes
// the head with a compare-and-set of the whole list. Checked for loss, duplication and
// unexpected elements (Jepsen's total-queue); FIFO order is NOT required: a dequeue that sees a
// stale list but whose cas succeeds still takes that list's head, and the checker does not judge
// which element a dequeue returns, only that each is delivered exactly once.
//
// Ops (f / invocation value / completion value):
//   enqueue  x (NextUniqueInt)  ok: x                       (append)
//   dequeue  null               ok: the head taken, or null when the queue was empty
//                               info: {"maybe": head} when the cas's outcome is unknown
//   drain    null               (final phase) dequeues until the queue reads empty, at most
//                               kDrainSteps requests; value {"dequeued": [...], "empty": bool}
//                               plus "maybe": head when it ends indeterminate. Error replies to
//                               its reads, and definite errors to its cas (not-leader,
//                               unavailable: the cluster may still be settling after the heal),
//                               are retried after 50 ms, at most 10 in a row. ok when it
//                               stopped on an empty queue or the bound (empty false), or on
//                               those errors after taking something ("stopped": error); info
//                               when a cas's outcome was unknown; fail only when it took
//                               nothing and then ran out of retries.
// A value at the key that is neither absent nor a list fails dequeue (error "not-a-list: ...")
// and stops drain like a definite error (so no drain reports the queue empty).
// dequeue = read; if non-empty, cas list -> list[1:]. A cas-mismatch proves no effect: retry
// (fresh read + cas) up to kDequeueAttempts times in one invoke, then `fail` "cas-mismatch".
// Any error reply to the read step is `fail` ("read <code>": nothing was written). Other cas
// replies map as PROTOCOL.md says (with "maybe" on info). Indeterminate / NotSent from the client propagate,
// except once dequeue/drain may have taken an element: then the op completes `info` carrying
// what it took and the head it was taking ("maybe"), so the checker loses no evidence (the
// runner retires the process on info exactly as on Indeterminate). The final phase issues
// max(1, concurrency) drains (each final template runs once); concurrent drains only contend.
// The key is assumed absent when the test starts.
//
// Checker. Definitely dequeued elements: ok dequeue values and every drain's "dequeued" list.
//   - duplicated: an element definitely dequeued more than once (all the ops named);
//   - unexpected: an element definitely dequeued that no enqueue invoked, or whose enqueue
//     failed (or one dequeued by an op that completed before its enqueue was invoked);
//   - lost: an ok enqueue never definitely dequeued and not the "maybe" of an info dequeue /
//     drain. Info dequeues whose value is unknown (the runner recorded an Indeterminate) could
//     each have taken one such element: with u of them, when at most u candidates remain they
//     are all "unresolved", not lost (valid unless something else is wrong); more than u are
//     all reported as "lost" (at least count - u of them really are). Lost-ness needs a drain that ended on an
//     empty queue; without one, candidates are reported as "remaining" and "valid" is
//     "unknown" (unless something else is wrong).
// Also, as a cheap extra: the main phase is checked for linearizability against checker/'s
// `unordered-queue` model (multiset semantics, so order is still not judged; drains are left
// out: they run after every main op). "linearizable" holds that result; an invalid one makes
// "valid" false, an unknown one (budget opts.check_timeout_s ran out) does not change it, since
// the invariants above are decided exactly.
// Result: {"valid", "enqueues": {"ok","fail","info"}, "dequeued" (count), "drained": bool,
//          "duplicated": [{"element", "indices"}], "unexpected": [{"element", "index", "why"}],
//          "lost": [{"element", "enqueue_index"}], "unresolved_info_dequeues", "remaining"...}
// (lists capped at 100, with "<name>_count").
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include <faultline/checker/linearizability.h>
#include <faultline/checker/model_registry.h>
#include "kv_common.h"

namespace faultline::workloads {
namespace {

constexpr const char* kKey = "queue";
constexpr int kDequeueAttempts = 5;
constexpr int kDrainSteps = 100000;
constexpr int kDrainErrorRetries = 10;
constexpr std::chrono::milliseconds kDrainErrorPause{50};
constexpr size_t kCap = 100;

Json list_of(const Json& v) { return v.is_array() ? v : Json::array(); }

class QueueWorkload : public Workload {
 public:
  std::string name() const override { return "queue"; }
  std::string description() const override {
    return "enqueue unique ints (append), dequeue by cas of the list without its head, drain at "
           "the end; nothing lost, duplicated or unexpected (order not checked)";
  }
  std::vector<std::string> required_ops() const override { return {"append", "read", "cas"}; }

  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override {
    config.phases = {Phase{{OpTemplate{"enqueue", 1.0, ValueKind::NextUniqueInt},
                            OpTemplate{"dequeue", 1.0, ValueKind::None}},
                           detail::run_long_phase_ns(opts)}};
    config.independent_keys = false;
    detail::final_op_per_process(config, opts, OpTemplate{"drain", 1.0, ValueKind::None});
  }

  Op invoke(const Op& invocation, SutClient& client) const override {
    if (invocation.f == "enqueue") {
      Reply r = client.call({{"op", "append"}, {"key", kKey}, {"value", invocation.value}});
      return complete_from_reply(invocation, r, invocation.value);
    }
    if (invocation.f == "dequeue") return dequeue(invocation, client);
    if (invocation.f == "drain") return drain(invocation, client);
    return detail::unknown_f(invocation);
  }

  Json check(const History& history, const WorkloadOptions& opts) const override;

 private:
  static Json linearizability(const History& history, const WorkloadOptions& opts);
  static Op dequeue(const Op& invocation, SutClient& client) {
    return detail::read_then_cas(
        invocation, client, {kKey, kDequeueAttempts, /*record_maybe=*/true},
        [&](const Json& current, Json& next, Json& head) -> std::optional<Op> {
          if (!current.is_null() && !current.is_array())
            return detail::failed(invocation, "not-a-list: " + current.dump());
          Json list = list_of(current);
          if (list.empty()) {  // an ok dequeue of nothing
            Op op = completion(invocation, OpType::Ok);
            op.value = nullptr;
            return op;
          }
          head = list[0];
          next = Json(list.begin() + 1, list.end());
          return std::nullopt;
        });
  }

  static Op drain(const Op& invocation, SutClient& client) {
    Json taken = Json::array();
    auto finish = [&](OpType type, bool empty, Json error, Json maybe) {
      Op op = completion(invocation, type);
      op.value = {{"dequeued", taken}, {"empty", empty}};
      if (!maybe.is_null()) op.value["maybe"] = maybe;
      if (!error.is_null()) {
        if (type == OpType::Ok) op.value["stopped"] = error;
        else op.error = error;
      }
      return op;
    };
    // A definite error after taking something: ok with what was taken; before: fail.
    auto definite = [&](const Reply& r) {
      return finish(taken.empty() ? OpType::Fail : OpType::Ok, false, r.error, nullptr);
    };
    int errors_in_a_row = 0;
    for (int step = 0; step < kDrainSteps; ++step) {
      Reply rd;
      try {
        rd = client.call({{"op", "read"}, {"key", kKey}});
      } catch (const Indeterminate& e) {
        if (taken.empty()) throw;
        return finish(OpType::Info, false, std::string("indeterminate: ") + e.what(), nullptr);
      } catch (const NotSent& e) {
        if (taken.empty()) throw;
        return finish(OpType::Ok, false, std::string("not-sent: ") + e.what(), nullptr);
      }
      if (!rd.ok) {  // a read has no effect: wait for the cluster to settle, bounded
        if (++errors_in_a_row > kDrainErrorRetries) return definite(rd);
        std::this_thread::sleep_for(kDrainErrorPause);
        continue;
      }
      if (!rd.value.is_null() && !rd.value.is_array())
        return finish(taken.empty() ? OpType::Fail : OpType::Ok, false,
                      "not-a-list: " + rd.value.dump(), nullptr);
      Json list = list_of(rd.value);
      if (list.empty()) return finish(OpType::Ok, true, nullptr, nullptr);
      Json head = list[0];
      Json rest(list.begin() + 1, list.end());
      Reply cas;
      try {
        cas = client.call({{"op", "cas"}, {"key", kKey}, {"expected", rd.value}, {"value", rest}});
      } catch (const Indeterminate& e) {
        return finish(OpType::Info, false, std::string("indeterminate: ") + e.what(), head);
      } catch (const NotSent& e) {
        if (taken.empty()) throw;
        return finish(OpType::Ok, false, std::string("not-sent: ") + e.what(), nullptr);
      }
      if (cas.ok) {
        taken.push_back(head);
        errors_in_a_row = 0;
      } else if (cas.error == "cas-mismatch") {
        continue;  // another drainer or dequeuer moved first; read again
      } else if (!cas.definite()) {
        return finish(OpType::Info, false, cas.error, head);
      } else {  // definitely not applied (not-leader, unavailable): settle and retry, bounded
        if (++errors_in_a_row > kDrainErrorRetries) return definite(cas);
        std::this_thread::sleep_for(kDrainErrorPause);
      }
    }
    return finish(OpType::Ok, false, "drain bound reached", nullptr);
  }
};

Json QueueWorkload::check(const History& history, const WorkloadOptions& opts) const {
  const auto& ops = history.ops();
  const std::vector<int64_t> completion_of = detail::completion_positions(ops);
  struct Enq {
    int64_t index;
    size_t pos;
    OpType outcome;
  };
  std::map<Json, Enq> enqueued;
  std::map<Json, std::vector<std::pair<int64_t, size_t>>> dequeued;  // element -> (index, pos)
  std::set<Json> maybe;
  int64_t unknown_info = 0, n_dequeued = 0;
  detail::OutcomeCounts enqueues;
  bool drained = false;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (!op.is_client() || op.type != OpType::Invoke) continue;
    const Op* done = completion_of[i] < 0 ? nullptr : &ops[completion_of[i]];
    const OpType out = done ? done->type : OpType::Info;
    if (op.f == "enqueue") {
      enqueues.add(out);
      enqueued.emplace(op.value, Enq{op.index, i, out});
      continue;
    }
    if (op.f != "dequeue" && op.f != "drain") continue;
    const size_t done_pos = done ? static_cast<size_t>(completion_of[i]) : ops.size();
    const int64_t done_index = done ? done->index : op.index;
    auto take = [&](const Json& x) {
      dequeued[x].emplace_back(done_index, done_pos);
      ++n_dequeued;
    };
    if (op.f == "dequeue") {
      if (out == OpType::Ok && !done->value.is_null()) take(done->value);
      if (out == OpType::Info) {
        if (done && done->value.is_object() && done->value.contains("maybe"))
          maybe.insert(done->value.at("maybe"));
        else
          ++unknown_info;
      }
      continue;
    }
    // drain
    if (!done) {
      ++unknown_info;
      continue;
    }
    if (done->value.is_object()) {
      for (const Json& x : list_of(done->value.value("dequeued", Json()))) take(x);
      if (done->value.contains("maybe")) maybe.insert(done->value.at("maybe"));
      if (out == OpType::Ok && done->value.value("empty", false)) drained = true;
    } else if (out == OpType::Info) {
      ++unknown_info;  // the runner recorded the drain's Indeterminate: may have taken anything
    }
  }
  Json duplicated = Json::array(), unexpected = Json::array(), lost = Json::array(),
       remaining = Json::array(), unresolved = Json::array();
  int64_t n_dup = 0, n_unexp = 0;
  for (const auto& [x, takers] : dequeued) {
    if (takers.size() > 1) {
      Json idx = Json::array();
      for (const auto& t : takers) idx.push_back(t.first);
      detail::push_capped(duplicated, n_dup, {{"element", x}, {"indices", idx}}, kCap);
    }
    auto it = enqueued.find(x);
    std::string why;
    size_t first_pos = takers.front().second;  // the earliest completion among the takers
    int64_t first_index = takers.front().first;
    for (const auto& t : takers)
      if (t.second < first_pos) std::tie(first_index, first_pos) = t;
    if (it == enqueued.end()) why = "never enqueued";
    else if (it->second.outcome == OpType::Fail) why = "enqueue failed";
    else if (first_pos < it->second.pos) why = "dequeued before enqueue invoked";
    if (!why.empty()) {
      Json e = {{"element", x}, {"index", first_index}, {"why", why}};
      if (it != enqueued.end()) e["enqueue_index"] = it->second.index;
      detail::push_capped(unexpected, n_unexp, std::move(e), kCap);
    }
  }
  std::vector<Json> candidates;
  for (const auto& [x, e] : enqueued)
    if (e.outcome == OpType::Ok && !dequeued.count(x) && !maybe.count(x)) candidates.push_back(x);
  // Candidates are lost only once a drain saw the queue empty, and only if info dequeues of
  // unknown value cannot account for all of them; otherwise "remaining" / "unresolved".
  const int64_t n_cand = static_cast<int64_t>(candidates.size());
  const bool is_lost = drained && n_cand > unknown_info;
  Json& target = !drained ? remaining : is_lost ? lost : unresolved;
  for (const Json& x : candidates)
    if (target.size() < kCap)
      target.push_back({{"element", x}, {"enqueue_index", enqueued.at(x).index}});
  const int64_t n_lost = is_lost ? n_cand : 0;
  const bool bad = n_dup + n_unexp + n_lost > 0;
  Json valid = bad ? Json(false) : (!drained && n_cand > 0) ? Json("unknown") : Json(true);
  Json result = {{"valid", valid},
                 {"enqueues", enqueues.to_json()},
                 {"dequeued", n_dequeued},
                 {"drained", drained},
                 {"duplicated", duplicated},
                 {"duplicated_count", n_dup},
                 {"unexpected", unexpected},
                 {"unexpected_count", n_unexp},
                 {"lost", lost},
                 {"lost_count", n_lost},
                 {"unresolved", unresolved},
                 {"unresolved_info_dequeues", unknown_info},
                 {"remaining", remaining}};
  if (valid == "unknown") result["reason"] = "no drain reached an empty queue";
  // Linearizability of the main phase against checker/'s unordered-queue model.
  Json lin = linearizability(history, opts);
  result["linearizable"] = lin;
  if (lin.at("valid") == false) result["valid"] = false;
  return result;
}

Json QueueWorkload::linearizability(const History& history, const WorkloadOptions& opts) {
  // Positions are kept (witnesses name ops by position): drains become failed dequeues, which
  // the search skips; info dequeues lose their "maybe" (the model takes their output as unknown).
  std::vector<Op> ops = history.ops();
  std::map<int64_t, size_t> open;
  for (Op& op : ops) {
    if (!op.is_client()) continue;
    if (op.type == OpType::Invoke) {
      if (op.f == "drain") op.f = "dequeue";
      open[op.process] = static_cast<size_t>(&op - ops.data());
      continue;
    }
    auto it = open.find(op.process);
    if (it == open.end()) continue;
    const bool was_drain = history.ops()[it->second].f == "drain";
    open.erase(it);
    if (was_drain) {
      op.f = "dequeue";
      op.type = OpType::Fail;
      op.value = nullptr;
    } else if (op.f == "dequeue" && op.type == OpType::Info) {
      op.value = nullptr;
    }
  }
  try {
    auto model = checker::make_model("unordered-queue");
    if (!model) return {{"valid", "unknown"}, {"reason", "unordered-queue model not available"}};
    checker::ConsistencyOptions o;
    o.time_limit_s = opts.check_timeout_s;
    o.threads = 1;
    return checker::check_linearizable(History(std::move(ops)), *model, o).to_json();
  } catch (const std::exception& e) {
    return {{"valid", "unknown"}, {"reason", std::string("linearizability check: ") + e.what()}};
  }
}

}  // namespace

std::unique_ptr<Workload> make_queue_workload() { return std::make_unique<QueueWorkload>(); }

}  // namespace faultline::workloads
