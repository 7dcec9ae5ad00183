// broadcast: total-order broadcast over the system's log. The delivered sequence is the list at
// key "broadcast" (absent = []): broadcast(m) appends the unique int m to it; a read returns the
// whole list as served by that process's node.
//
// Ops (f / invocation value / ok completion value):
//   broadcast   m (NextUniqueInt)   ok value m        (append; definite error -> fail,
//                                                      timeout / shutting-down -> info)
//   read        null                ok value = list   (null read as [])
//   final-read  null                like read; the final phase issues one per client process
//                                   (opts.concurrency copies), after the runner healed faults.
//                                   Error replies are retried after 50 ms, at most 10 times.
// SutClient exceptions (Indeterminate, NotSent) propagate to the runner.
// The key is assumed absent when the test starts.
//
// Checker, over ok reads (read and final-read):
//   - not-a-list: a read whose value is not a list of integers;
//   - duplicates: a message delivered twice in one read;
//   - divergent: all reads must be prefixes of one total order: exactly when the trie of all
//     reads is a single path. The reference order is the trie's heaviest path (what most reads
//     saw); each read leaving it is reported with the first position where it does, the
//     message it has there and the reference's ("reference_index" names a read that has it);
//   - unexpected: a delivered message that no broadcast invoked, one whose broadcast failed, or
//     one read in a read that completed before its broadcast was invoked;
//   - lost: an ok broadcast missing from some ok final read. Info broadcasts may or may not be
//     delivered. With ok broadcasts but no ok final read, lost-ness cannot be decided: if nothing
//     else is wrong "valid" is "unknown".
// Result: {"valid", "reads", "final_reads", "broadcasts": {"ok","fail","info"}, "delivered"
// (length of the reference order), and the anomaly lists above (each entry names op indices;
// each list capped at 100, with "<name>_count")}.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "kv_common.h"

namespace faultline::workloads {
namespace {

constexpr const char* kKey = "broadcast";
constexpr size_t kCap = 100;
constexpr int kFinalReadRetries = 10;
constexpr std::chrono::milliseconds kFinalReadPause{50};

class BroadcastWorkload : public Workload {
 public:
  std::string name() const override { return "broadcast"; }
  std::string description() const override {
    return "total-order broadcast: append unique messages to one log-backed list, read it from "
           "every node; every read must be a prefix of one order, without duplicates, and every "
           "acknowledged message must be in the final reads";
  }
  std::vector<std::string> required_ops() const override { return {"append", "read"}; }

  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override {
    config.phases = {Phase{{OpTemplate{"broadcast", 1.0, ValueKind::NextUniqueInt},
                            OpTemplate{"read", 1.0, ValueKind::None}},
                           detail::run_long_phase_ns(opts)}};
    config.independent_keys = false;
    detail::final_op_per_process(config, opts, OpTemplate{"final-read", 1.0, ValueKind::None});
  }

  Op invoke(const Op& invocation, SutClient& client) const override {
    if (invocation.f == "broadcast") {
      Reply r = client.call({{"op", "append"}, {"key", kKey}, {"value", invocation.value}});
      return complete_from_reply(invocation, r, invocation.value);
    }
    if (invocation.f == "read" || invocation.f == "final-read") {
      Reply r = client.call({{"op", "read"}, {"key", kKey}});
      // A final read retries errors (the cluster may still be settling after the heal), bounded.
      for (int retry = 0; invocation.f == "final-read" && !r.ok && retry < kFinalReadRetries;
           ++retry) {
        std::this_thread::sleep_for(kFinalReadPause);
        r = client.call({{"op", "read"}, {"key", kKey}});
      }
      return complete_from_reply(invocation, r, detail::null_as_empty_list(r.value));
    }
    return detail::unknown_f(invocation);
  }

  Json check(const History& history, const WorkloadOptions&) const override {
    const auto& ops = history.ops();
    const std::vector<int64_t> completion_of = detail::completion_positions(ops);
    struct Sent {
      int64_t invoke_index;
      size_t invoke_pos;
      OpType outcome;
    };
    std::map<int64_t, Sent> sent;  // message -> its broadcast (first one, values are unique)
    struct Read {
      size_t invoke_pos;
      size_t complete_pos;
      int64_t index;  // completion's index
      bool final;
      std::vector<int64_t> list;
    };
    std::vector<Read> reads;
    Json not_a_list = Json::array();
    detail::OutcomeCounts broadcasts;
    for (size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      if (!op.is_client() || op.type != OpType::Invoke) continue;
      const OpType out = completion_of[i] < 0 ? OpType::Info : ops[completion_of[i]].type;
      if (op.f == "broadcast") {
        broadcasts.add(out);
        if (op.value.is_number_integer())
          sent.emplace(op.value.get<int64_t>(), Sent{op.index, i, out});
      } else if ((op.f == "read" || op.f == "final-read") && out == OpType::Ok) {
        const Op& done = ops[completion_of[i]];
        Read r{i, static_cast<size_t>(completion_of[i]), done.index, op.f == "final-read", {}};
        bool good = done.value.is_array();
        if (good)
          for (const Json& x : done.value) {
            if (!x.is_number_integer()) { good = false; break; }
            r.list.push_back(x.get<int64_t>());
          }
        if (!good) {
          if (not_a_list.size() < kCap)
            not_a_list.push_back({{"index", done.index}, {"value", done.value}});
          continue;
        }
        reads.push_back(std::move(r));
      }
    }
    Json duplicates = Json::array(), divergent = Json::array(), unexpected = Json::array(),
         lost = Json::array();
    int64_t n_dup = 0, n_div = 0, n_unexp = 0, n_lost = 0;
    auto push = [](Json& list, int64_t& n, Json entry) {
      detail::push_capped(list, n, std::move(entry), kCap);
    };
    // Duplicates and unexpected messages, per read.
    std::set<int64_t> reported_unexpected;
    for (const Read& r : reads) {
      std::set<int64_t> seen;
      for (int64_t m : r.list) {
        if (!seen.insert(m).second)
          push(duplicates, n_dup, {{"index", r.index}, {"message", m}});
        auto it = sent.find(m);
        std::string why;
        if (it == sent.end()) why = "never broadcast";
        else if (it->second.outcome == OpType::Fail) why = "broadcast failed";
        else if (it->second.invoke_pos > r.complete_pos) why = "read before broadcast invoked";
        if (!why.empty() && reported_unexpected.insert(m).second) {
          Json e = {{"message", m}, {"read_index", r.index}, {"why", why}};
          if (it != sent.end()) e["broadcast_index"] = it->second.invoke_index;
          push(unexpected, n_unexp, std::move(e));
        }
      }
    }
    // One total order. All reads are pairwise prefix-compatible iff their trie is one path.
    // The reference order is the trie's heaviest path (at each step the child the most reads
    // go through), so a minority of bad readers is reported against what the others saw; each
    // read that leaves it is reported at the first position where it does.
    struct TrieNode {
      std::map<int64_t, size_t> children;
      int64_t count = 0;
      int64_t read_index = -1;  // some read through this node
    };
    std::vector<TrieNode> trie(1);
    for (const Read& r : reads) {
      size_t node = 0;
      for (int64_t m : r.list) {
        auto it = trie[node].children.find(m);
        size_t child;
        if (it == trie[node].children.end()) {
          child = trie.size();
          trie[node].children.emplace(m, child);
          trie.emplace_back();
        } else {
          child = it->second;
        }
        node = child;
        ++trie[node].count;
        if (trie[node].read_index < 0) trie[node].read_index = r.index;
      }
    }
    std::vector<size_t> heavy;  // trie nodes of the reference path (after the root)
    std::vector<int64_t> reference;
    for (size_t node = 0; !trie[node].children.empty();) {
      const std::pair<const int64_t, size_t>* best = nullptr;
      for (const auto& c : trie[node].children)
        if (!best || trie[c.second].count > trie[best->second].count) best = &c;
      reference.push_back(best->first);
      heavy.push_back(best->second);
      node = best->second;
    }
    for (const Read& r : reads) {
      auto [a, b] = std::mismatch(r.list.begin(), r.list.end(), reference.begin(),
                                  reference.end());
      if (a == r.list.end()) continue;
      const size_t pos = static_cast<size_t>(a - r.list.begin());
      push(divergent, n_div,
           {{"index", r.index}, {"reference_index", trie[heavy[pos]].read_index},
            {"position", pos}, {"got", *a}, {"reference", *b}});
    }
    // Lost: ok broadcasts missing from a final read.
    std::vector<const Read*> finals;
    for (const Read& r : reads)
      if (r.final) finals.push_back(&r);
    std::vector<std::set<int64_t>> final_sets;
    for (const Read* f : finals) final_sets.emplace_back(f->list.begin(), f->list.end());
    if (!finals.empty()) {
      for (const auto& [m, s] : sent) {
        if (s.outcome != OpType::Ok) continue;
        Json missing_from = Json::array();
        for (size_t k = 0; k < finals.size(); ++k)
          if (!final_sets[k].count(m)) missing_from.push_back(finals[k]->index);
        if (!missing_from.empty())
          push(lost, n_lost,
               {{"message", m}, {"broadcast_index", s.invoke_index},
                {"missing_from", missing_from}});
      }
    }
    const bool bad = n_dup + n_div + n_unexp + n_lost > 0 || !not_a_list.empty();
    Json valid = bad ? Json(false) : (finals.empty() && broadcasts.ok > 0) ? Json("unknown") : Json(true);
    Json result = {{"valid", valid},
                   {"reads", reads.size() + not_a_list.size()},
                   {"final_reads", finals.size()},
                   {"broadcasts", broadcasts.to_json()},
                   {"delivered", reference.size()},
                   {"not_a_list", not_a_list},
                   {"duplicates", duplicates},
                   {"duplicates_count", n_dup},
                   {"divergent", divergent},
                   {"divergent_count", n_div},
                   {"unexpected", unexpected},
                   {"unexpected_count", n_unexp},
                   {"lost", lost},
                   {"lost_count", n_lost}};
    if (valid == "unknown") result["reason"] = "no final read completed; lost messages undecidable";
    return result;
  }
};

}  // namespace

std::unique_ptr<Workload> make_broadcast_workload() {
  return std::make_unique<BroadcastWorkload>();
}

}  // namespace faultline::workloads
