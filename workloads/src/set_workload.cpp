// set: adds of unique integers to a set, reads of the whole set, judged like Jepsen's set-full.
//
// Client (PROTOCOL.md ops: append, read): the set is the list at key "set" (or "set-<k>" per
// independent key k). `add` appends the op's unique integer (ok value = the element); `read`
// reads the list (ok value = the list, an absent key reads as []). Errors map through
// complete_from_reply (definite -> fail, timeout/shutting-down -> info).
//
// Generator: a mix of add (NextUniqueInt) and read (weight params.read_weight, default 0.25,
// relative to add's 1), then one final read per key. WorkloadOptions.ops_per_key > 0 switches
// to independent keys (keys_in_flight, default the concurrency).
//
// Checker (per key; nemesis ops ignored), for every element ever added or read:
//   known     when it is first known to be in the set: the completion of its ok add, or of the
//             first ok read containing it if that is earlier (info adds become known that way);
//   stable    every ok read invoked after `known` contains it;
//   stale     some read invoked after `known` misses it, but the last read (latest invoked) has it;
//   lost      the last read invoked after `known` misses it;
//   never-read  no ok read was invoked after `known`;
//   recovered an add that ended info (or never completed) whose element some read returned;
//   unexpected  read but never added, or its add failed (fail = definitely no effect);
//   duplicated  some read returned it more than once;
//   malformed   a read returned something that is not a list.
// valid = no lost, no unexpected, no duplicated, no malformed; "unknown" when some key with adds
// has no ok read at all (nothing to judge by); true otherwise. visible_latency_ns: for ok adds,
// quantiles of (completion time of the first read that contains the element and completed after
// the add) - (the add's completion time), clamped at 0. Anomaly entries name the ops by index.
#include <algorithm>
#include <map>
#include <set>

#include <faultline/core/error.h>
#include "kv_common.h"

namespace faultline::workloads {
namespace {

constexpr size_t kMaxListed = 50;

// The single main phase lasts the run's time limit (the runner's limit ends it).
std::string set_key(const Json& key) {
  if (key.is_null()) return "set";
  return "set-" + (key.is_string() ? key.get<std::string>() : key.dump());
}

struct AddInfo {
  Json element;
  int64_t invoke_index = -1;
  int64_t complete_index = -1;
  size_t complete_pos = SIZE_MAX;
  int64_t complete_time = -1;
  OpType status = OpType::Info;  // Info also when it never completed
};

struct ReadInfo {
  size_t invoke_pos = 0, complete_pos = 0;
  int64_t invoke_index = -1, complete_index = -1;
  int64_t complete_time = -1;
  std::map<std::string, int> counts;  // element (dump) -> occurrences
};

struct Group {
  Json key;
  std::map<std::string, std::vector<AddInfo>> adds;  // element -> add attempts
  std::vector<ReadInfo> reads;                       // ok reads, in completion order
  std::map<std::string, Json> elements;              // every element added or read
};

Json quantiles(std::vector<int64_t> v) {
  Json q = Json::object();
  if (v.empty()) return q;
  std::sort(v.begin(), v.end());
  const std::pair<const char*, double> points[] = {
      {"0", 0.0}, {"0.5", 0.5}, {"0.95", 0.95}, {"0.99", 0.99}, {"1", 1.0}};
  for (const auto& [name, p] : points) {
    size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    q[name] = v[i];
  }
  return q;
}

class SetWorkload : public Workload {
 public:
  std::string name() const override { return "set"; }
  std::string description() const override {
    return "adds unique integers to a set (PROTOCOL append) and reads it back (reads mixed in "
           "plus a final read); checks like Jepsen's set-full: lost, stale, never-read, "
           "recovered, unexpected and duplicated elements, visibility latency.";
  }
  std::vector<std::string> required_ops() const override { return {"append", "read"}; }

  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override {
    const double read_weight = opts.params.value("read_weight", 0.25);
    std::vector<OpTemplate> mix = {OpTemplate{"add", 1.0, ValueKind::NextUniqueInt}};
    if (read_weight > 0) mix.push_back(OpTemplate{"read", read_weight, ValueKind::None});
    config.phases = {Phase{mix, detail::run_long_phase_ns(opts)}};
    config.final_ops = {OpTemplate{"read", 1.0, ValueKind::None}};
    if (opts.ops_per_key > 0) {
      config.independent_keys = true;
      config.ops_per_key = opts.ops_per_key;
      config.keys_in_flight = opts.keys_in_flight > 0 ? opts.keys_in_flight
                                                      : std::max(1, opts.concurrency);
    }
  }

  Op invoke(const Op& inv, SutClient& client) const override {
    const std::string key = set_key(inv.key);
    if (inv.f == "add") {
      Reply r = client.call({{"op", "append"}, {"key", key}, {"value", inv.value}});
      return complete_from_reply(inv, r, inv.value);
    }
    if (inv.f == "read") {
      Reply r = client.call({{"op", "read"}, {"key", key}});
      return complete_from_reply(inv, r, detail::null_as_empty_list(r.value));
    }
    return detail::failed(inv, "set workload: unknown op f '" + inv.f + "'");
  }

  Json check(const History& history, const WorkloadOptions&) const override {
    History h = history;
    try {
      if (!h.paired()) h.pair();
    } catch (const std::exception& e) {
      return {{"valid", "unknown"}, {"reason", std::string("history cannot be paired: ") + e.what()}};
    }
    std::map<std::string, Group> groups;
    Json malformed = Json::array();
    for (size_t i = 0; i < h.size(); ++i) {
      const Op& op = h[i];
      if (!op.is_client() || op.type != OpType::Invoke) continue;
      Group& g = groups[op.key.dump()];
      g.key = op.key;
      const int64_t c = h.completion(i);
      const Op* done = c >= 0 ? &h[static_cast<size_t>(c)] : nullptr;
      if (op.f == "add") {
        AddInfo a;
        a.element = op.value;
        a.invoke_index = op.index;
        if (done) {
          a.status = done->type;
          a.complete_index = done->index;
          a.complete_pos = static_cast<size_t>(c);
          a.complete_time = done->time_ns;
        }
        const std::string e = op.value.dump();
        g.adds[e].push_back(a);
        g.elements[e] = op.value;
      } else if (op.f == "read" && done && done->type == OpType::Ok) {
        if (!done->value.is_array()) {
          if (malformed.size() < kMaxListed)
            malformed.push_back({{"index", done->index}, {"value", done->value}});
          continue;
        }
        ReadInfo r;
        r.invoke_pos = i;
        r.complete_pos = static_cast<size_t>(c);
        r.invoke_index = op.index;
        r.complete_index = done->index;
        r.complete_time = done->time_ns;
        for (const Json& e : done->value) {
          const std::string d = e.dump();
          ++r.counts[d];
          g.elements[d] = e;
        }
        g.reads.push_back(std::move(r));
      }
    }

    Json lost = Json::array(), stale = Json::array(), never_read = Json::array(),
         recovered = Json::array(), unexpected = Json::array(), duplicated = Json::array();
    int64_t n_lost = 0, n_stale = 0, n_never = 0, n_recovered = 0, n_unexpected = 0, n_dup = 0,
            n_stable = 0, n_indeterminate = 0, n_attempts = 0, n_reads = 0;
    std::vector<int64_t> latencies;
    std::vector<std::string> unjudged_keys;
    auto push = [](Json& list, int64_t& n, Json entry, const Json& key) {
      if (!key.is_null()) entry["key"] = key;
      detail::push_capped(list, n, std::move(entry), kMaxListed);
    };

    for (auto& [gk, g] : groups) {
      std::sort(g.reads.begin(), g.reads.end(),
                [](const ReadInfo& a, const ReadInfo& b) { return a.complete_pos < b.complete_pos; });
      n_reads += static_cast<int64_t>(g.reads.size());
      for (const auto& [e, attempts] : g.adds) n_attempts += static_cast<int64_t>(attempts.size());
      if (g.reads.empty() && !g.adds.empty()) unjudged_keys.push_back(gk);
      for (const ReadInfo& r : g.reads)
        for (const auto& [e, n] : r.counts)
          if (n > 1)
            push(duplicated, n_dup,
                 {{"element", g.elements[e]}, {"read_index", r.complete_index}, {"count", n}},
                 g.key);
      for (const auto& [e, element] : g.elements) {
        auto ait = g.adds.find(e);
        const AddInfo* ok_add = nullptr;
        const AddInfo* uncertain_add = nullptr;
        bool failed_add = false;
        if (ait != g.adds.end())
          for (const AddInfo& a : ait->second) {
            if (a.status == OpType::Ok && !ok_add) ok_add = &a;
            if (a.status == OpType::Info && !uncertain_add) uncertain_add = &a;
            if (a.status == OpType::Fail) failed_add = true;
          }
        const ReadInfo* first_seen = nullptr;
        for (const ReadInfo& r : g.reads)
          if (r.counts.count(e)) { first_seen = &r; break; }
        if (!ok_add && !uncertain_add) {
          if (first_seen) {
            Json entry = {{"element", element}, {"read_index", first_seen->complete_index}};
            if (failed_add) {
              entry["add_index"] = ait->second.front().invoke_index;
              entry["why"] = "its add failed";
            } else {
              entry["why"] = "never added";
            }
            push(unexpected, n_unexpected, std::move(entry), g.key);
          }
          continue;  // a failed add that nobody read: fine
        }
        if (!ok_add && first_seen)
          push(recovered, n_recovered,
               {{"element", element}, {"add_index", uncertain_add->invoke_index},
                {"read_index", first_seen->complete_index}},
               g.key);
        // When the element became known to be in the set.
        size_t known = SIZE_MAX;
        if (ok_add) known = ok_add->complete_pos;
        if (first_seen) known = std::min(known, first_seen->complete_pos);
        if (known == SIZE_MAX) {
          ++n_indeterminate;  // info add, never seen
          continue;
        }
        const AddInfo* add = ok_add ? ok_add : uncertain_add;
        const ReadInfo* last = nullptr;
        const ReadInfo* first_absent = nullptr;
        for (const ReadInfo& r : g.reads) {
          if (r.invoke_pos <= known) continue;
          if (!last || r.invoke_pos > last->invoke_pos) last = &r;
          if (!r.counts.count(e) && !first_absent) first_absent = &r;
        }
        if (!last) {
          push(never_read, n_never, {{"element", element}, {"add_index", add->invoke_index}},
               g.key);
        } else if (!last->counts.count(e)) {
          push(lost, n_lost,
               {{"element", element}, {"add_index", add->invoke_index},
                {"add_complete_index", add->complete_index},
                {"absent_from_read_index", last->complete_index}},
               g.key);
        } else if (first_absent) {
          push(stale, n_stale,
               {{"element", element}, {"add_index", add->invoke_index},
                {"absent_from_read_index", first_absent->complete_index}},
               g.key);
        } else {
          ++n_stable;
        }
        if (ok_add && ok_add->complete_time >= 0) {
          for (const ReadInfo& r : g.reads)
            if (r.complete_pos > ok_add->complete_pos && r.counts.count(e) &&
                r.complete_time >= 0) {
              latencies.push_back(std::max<int64_t>(0, r.complete_time - ok_add->complete_time));
              break;
            }
        }
      }
    }
    Json valid;
    Json reason;
    if (n_lost || n_unexpected || n_dup || !malformed.empty()) {
      valid = false;
    } else if (!unjudged_keys.empty()) {
      valid = "unknown";
      reason = "no successful read of key(s) " + unjudged_keys.front() +
               (unjudged_keys.size() > 1 ? " and " + std::to_string(unjudged_keys.size() - 1) +
                                               " more"
                                         : std::string()) +
               ", so their adds cannot be judged";
    } else {
      valid = true;
    }
    Json out = {{"valid", valid},
                {"attempt_count", n_attempts},
                {"read_count", n_reads},
                {"stable_count", n_stable},
                {"lost_count", n_lost},
                {"lost", lost},
                {"stale_count", n_stale},
                {"stale", stale},
                {"never_read_count", n_never},
                {"never_read", never_read},
                {"recovered_count", n_recovered},
                {"recovered", recovered},
                {"unexpected_count", n_unexpected},
                {"unexpected", unexpected},
                {"duplicated_count", n_dup},
                {"duplicated", duplicated},
                {"malformed_reads", malformed},
                {"indeterminate_count", n_indeterminate},
                {"visible_latency_ns", quantiles(latencies)}};
    if (!reason.is_null()) out["reason"] = reason;
    return out;
  }
};

}  // namespace

std::unique_ptr<Workload> make_set_workload() { return std::make_unique<SetWorkload>(); }

}  // namespace faultline::workloads
