// counter: a single integer counter at key "counter" (absent = 0), incremented by small positive
// amounts and read (Jepsen's counter workload over a KV store that has no native increment).
//
// Ops (f / invocation value / ok completion value):
//   add   d (RandomInt in [1, 5], params "max_increment")   ok value d
//   read  null                                                 ok value = the counter (null -> 0)
// add = read the current value v, then cas v -> v + d. A cas-mismatch proves the cas had no
// effect, so add retries (fresh read + cas) up to kAddAttempts times inside one invoke and records
// `fail` (error "cas-mismatch") when every attempt mismatched. Any error reply to add's read step
// is `fail` (error "read <code>"): nothing was written. The cas reply and the read op's reply map
// as PROTOCOL.md says: definite errors -> fail, timeout / shutting-down -> info. A current value that is not an
// integer makes add `fail` with error "not-an-integer" (the read of it is evidence for `read`).
// SutClient exceptions (Indeterminate, NotSent) propagate to the runner.
// The key is assumed absent (or 0) when the test starts.
//
// Checker (Jepsen's counter checker, with the tighter upper bound): each ok read's value must be
// an integer in [lower, upper] where
//   lower = sum of the increments of ok adds that completed before the read was invoked;
//   upper = sum of the increments of adds invoked before the read completed whose outcome is
//           ok or info (pending at the end = info); failed adds had no effect.
// Result: {"valid", "reads", "adds": {"ok","fail","info"}, "errors": [{"index" (read completion),
// "invoke_index", "value", "lower", "upper"}...] (first 100), "error_count"}.
#include <map>
#include <optional>

#include "kv_common.h"

namespace faultline::workloads {
namespace {

constexpr int kAddAttempts = 5;
constexpr const char* kKey = "counter";

std::optional<int64_t> counter_value(const Json& v) {
  if (v.is_null()) return 0;
  if (v.is_number_integer()) return v.get<int64_t>();
  return std::nullopt;
}

class CounterWorkload : public Workload {
 public:
  std::string name() const override { return "counter"; }
  std::string description() const override {
    return "increments (read + cas, bounded retry) and reads of one counter; every ok read must "
           "lie between the ok increments completed before it and the ok/info increments "
           "invoked before it completed";
  }
  std::vector<std::string> required_ops() const override { return {"read", "cas"}; }

  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override {
    int64_t max_inc = 5;
    if (opts.params.is_object() && opts.params.contains("max_increment")) {
      const Json& v = opts.params.at("max_increment");
      if (!v.is_number_integer() || v.get<int64_t>() < 1)
        throw std::invalid_argument("counter: workload_params.max_increment must be an integer "
                                    ">= 1, got " + v.dump());
      max_inc = v.get<int64_t>();
    }
    config.phases = {Phase{{OpTemplate{"add", 1.0, ValueKind::RandomInt, 1, max_inc},
                            OpTemplate{"read", 1.0, ValueKind::None}},
                           detail::run_long_phase_ns(opts)}};
    config.independent_keys = false;
  }

  Op invoke(const Op& invocation, SutClient& client) const override {
    if (invocation.f == "read") {
      Reply r = client.call({{"op", "read"}, {"key", kKey}});
      if (!r.ok) return complete_from_reply(invocation, r, nullptr);
      Json value = r.value.is_null() ? Json(0) : r.value;
      return complete_from_reply(invocation, r, value);
    }
    if (invocation.f != "add") return detail::unknown_f(invocation);
    if (!invocation.value.is_number_integer() || invocation.value.get<int64_t>() < 1)
      return detail::failed(invocation, "add needs a positive integer value");
    const int64_t d = invocation.value.get<int64_t>();
    return detail::read_then_cas(
        invocation, client, {kKey, kAddAttempts},
        [&](const Json& current, Json& next, Json& ok_value) -> std::optional<Op> {
          std::optional<int64_t> cur = counter_value(current);
          if (!cur) return detail::failed(invocation, "not-an-integer");
          next = *cur + d;
          ok_value = d;
          return std::nullopt;
        });
  }

  Json check(const History& history, const WorkloadOptions&) const override {
    const auto& ops = history.ops();
    // Pair invocations with completions by process.
    const std::vector<int64_t> completion_of = detail::completion_positions(ops);
    auto outcome = [&](size_t inv) {
      return completion_of[inv] < 0 ? OpType::Info : ops[completion_of[inv]].type;
    };
    // Sweep in history order. lower: ok adds completed so far; upper: non-failed adds invoked
    // so far. A read's lower is taken at its invocation, its upper at its completion.
    int64_t lower = 0, upper = 0;
    std::map<size_t, int64_t> lower_at_invoke;  // read invocation position -> lower
    std::map<size_t, size_t> invocation_of;     // completion position -> invocation position
    for (size_t i = 0; i < ops.size(); ++i)
      if (completion_of[i] >= 0) invocation_of[completion_of[i]] = i;
    Json errors = Json::array();
    int64_t error_count = 0, reads = 0;
    detail::OutcomeCounts adds;
    for (size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      if (!op.is_client()) continue;
      if (op.type == OpType::Invoke) {
        if (op.f == "add") {
          OpType o = outcome(i);
          int64_t d = op.value.is_number_integer() ? op.value.get<int64_t>() : 0;
          adds.add(o);
          if (o != OpType::Fail) upper += d;
        } else if (op.f == "read") {
          lower_at_invoke[i] = lower;
        }
        continue;
      }
      auto inv = invocation_of.find(i);
      if (inv == invocation_of.end()) continue;
      const Op& invocation = ops[inv->second];
      if (op.type != OpType::Ok) continue;
      if (invocation.f == "add") {
        lower += invocation.value.is_number_integer() ? invocation.value.get<int64_t>() : 0;
      } else if (invocation.f == "read") {
        ++reads;
        const int64_t lo = lower_at_invoke[inv->second];
        std::optional<int64_t> v = counter_value(op.value);
        if (!v || *v < lo || *v > upper) {
          ++error_count;
          if (errors.size() < 100)
            errors.push_back({{"index", op.index},
                              {"invoke_index", invocation.index},
                              {"value", op.value},
                              {"lower", lo},
                              {"upper", upper}});
        }
      }
    }
    return {{"valid", error_count == 0},
            {"reads", reads},
            {"adds", adds.to_json()},
            {"errors", errors},
            {"error_count", error_count}};
  }
};

}  // namespace

std::unique_ptr<Workload> make_counter_workload() { return std::make_unique<CounterWorkload>(); }

}  // namespace faultline::workloads
