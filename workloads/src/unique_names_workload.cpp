// unique-names: unique user names claimed by compare-and-set (DDIA ch. 9, "uniqueness
// constraints require consensus"): many processes concurrently try to register the same few
// names; each name may be won by exactly one of them.
//
// Generator: independent keys, one key = one name ("name-<k>" on the wire); ops_per_key
// registration attempts per name (default 10), keys_in_flight names contended at a time
// (default concurrency / 4, at least 1), so several processes race for each name; then a final
// `read` of every name used.
//   register v  v a fresh unique int; the claimant id is "p<process>-<v>" (unique per attempt)
//   read
// Client:
//   register -> cas(key, expected null, value claimant)  ok: value = claimant;
//               cas-mismatch (the name is taken) -> fail; timeout/shutting-down -> info;
//   read     -> read(key)                                  ok: value = the owner (null = free).
// Checker, per name. A name starts free; a registration can only move it from free to its
// claimant, so its history is linearizable (as a cas-register) exactly when all of these hold,
// each violation being reported with the op indexes involved:
//   two-winners          at most one registration is ok;
//   read-not-winner      every non-null read shows the ok winner's claimant, when there is one;
//   owner-changed        all non-null reads show the same claimant;
//   failed-claimant /    a read never shows the claimant of a failed registration (it had no
//   unknown-claimant     effect) nor one nobody tried;
//   lost-registration    no read returns null after (in real time: invoked after the completion
//                        of) the ok winner's registration;
//   read-before-claim    no read shows a claimant before its registration was invoked;
//   name-freed           no read returns null after another read of the name showed an owner.
// Registrations that ended `info` (or never completed) may or may not have won: one is taken as
// the winner only when a read shows its claimant. Real time is history order.
#include <map>
#include <optional>
#include <stdexcept>

#include "kv_common.h"

namespace faultline::workloads {
namespace {

std::string claimant(const Op& inv) {
  return "p" + std::to_string(inv.process) + "-" +
         (inv.value.is_string() ? inv.value.get<std::string>() : inv.value.dump());
}

struct Reg {
  int64_t inv = 0, ret = -1;   // positions; ret -1 = never completed
  OpType type = OpType::Info;
  std::string who;
};
struct Read {
  int64_t inv = 0, ret = 0;
  Json value;
};

class UniqueNamesWorkload : public Workload {
 public:
  std::string name() const override { return "unique-names"; }
  std::string description() const override {
    return "concurrent registration of the same few user names by cas(null -> claimant); "
           "checks that each name has at most one winner and reads show it";
  }
  std::vector<std::string> required_ops() const override { return {"read", "cas"}; }
  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override {
    config.phases = {
        detail::single_phase({OpTemplate{"register", 1, ValueKind::NextUniqueInt}}, opts)};
    detail::set_independent_keys(config, opts, 10, 4);
    config.final_ops = {OpTemplate{"read", 1, ValueKind::None}};
  }
  Op invoke(const Op& inv, SutClient& client) const override {
    const std::string key = detail::sut_key(inv.key, "name-");
    if (inv.f == "register") {
      const std::string who = claimant(inv);
      return complete_from_reply(inv, client.call(detail::cas_request(key, nullptr, who)), who);
    }
    if (inv.f == "read") {
      const Reply r = client.call(detail::read_request(key));
      return complete_from_reply(inv, r, r.value);
    }
    throw std::invalid_argument("unique-names: unknown op f '" + inv.f + "'");
  }
  Json check(const History& history, const WorkloadOptions&) const override {
    History h = history;
    if (auto bad = detail::pair_or_unknown(h)) return *bad;
    std::map<std::string, std::pair<Json, std::pair<std::vector<Reg>, std::vector<Read>>>> names;
    detail::OutcomeCounts registrations;
    for (size_t i = 0; i < h.size(); ++i) {
      const Op& op = h[i];
      if (op.is_nemesis() || op.type != OpType::Invoke) continue;
      auto& slot = names[op.key.dump()];
      slot.first = op.key;
      const int64_t c = h.completion(i);
      const Op* done = c >= 0 ? &h[static_cast<size_t>(c)] : nullptr;
      if (op.f == "register") {
        Reg r{static_cast<int64_t>(i), c, done ? done->type : OpType::Info, claimant(op)};
        registrations.add(r.type);
        slot.second.first.push_back(r);
      } else if (op.f == "read") {
        if (done && done->type == OpType::Ok) {
          slot.second.second.push_back(Read{static_cast<int64_t>(i), c, done->value});
        }
      } else {
        return {{"valid", "unknown"},
                {"error", "op " + std::to_string(op.index) + ": unique-names has no op '" +
                              op.f + "'"}};
      }
    }
    Json anomalies = Json::array();
    Json winners = Json::object();
    auto idx = [&](int64_t pos) { return h[static_cast<size_t>(pos)].index; };
    for (auto& [dump, entry] : names) {
      const Json& key = entry.first;
      const auto& regs = entry.second.first;
      const auto& reads = entry.second.second;
      auto add = [&](const std::string& type, Json ops, const std::string& why) {
        anomalies.push_back({{"type", type}, {"key", key}, {"ops", std::move(ops)},
                             {"explanation", "name " + key.dump() + ": " + why}});
      };
      std::vector<const Reg*> oks;
      for (const Reg& r : regs) {
        if (r.type == OpType::Ok) oks.push_back(&r);
      }
      if (oks.size() > 1) {
        Json ops = Json::array();
        std::string who;
        for (const Reg* r : oks) {
          ops.push_back(idx(r->inv));
          who += (who.empty() ? "" : ", ") + r->who;
        }
        add("two-winners", ops, std::to_string(oks.size()) + " registrations succeeded (" + who +
                                    ")");
      }
      const Reg* winner = oks.size() == 1 ? oks[0] : nullptr;
      // The owner the reads show: the first non-null read's value.
      const Read* first_owner_read = nullptr;
      for (const Read& r : reads) {
        if (r.value.is_null()) continue;
        if (!first_owner_read) {
          first_owner_read = &r;
          continue;
        }
        if (r.value != first_owner_read->value && !winner) {
          add("owner-changed", {idx(first_owner_read->inv), idx(r.inv)},
              "reads show two owners, " + first_owner_read->value.dump() + " and " +
                  r.value.dump());
        }
      }
      for (const Read& r : reads) {
        if (r.value.is_null()) continue;
        const Reg* claim = nullptr;
        const Reg* failed = nullptr;
        for (const Reg& g : regs) {
          if (!r.value.is_string() || g.who != r.value.get<std::string>()) continue;
          if (g.type == OpType::Fail) {
            failed = &g;
          } else if (!claim || g.inv < claim->inv) {
            claim = &g;
          }
        }
        if (!claim) {
          if (failed) {
            add("failed-claimant", {idx(r.inv), idx(failed->inv)},
                "read (op " + std::to_string(idx(r.inv)) + ") shows " + r.value.dump() +
                    ", whose registration (op " + std::to_string(idx(failed->inv)) +
                    ") failed");
          } else {
            add("unknown-claimant", {idx(r.inv)},
                "read (op " + std::to_string(idx(r.inv)) + ") shows " + r.value.dump() +
                    ", which no registration claimed");
          }
          continue;
        }
        if (winner && claim != winner) {
          add("read-not-winner", {idx(r.inv), idx(winner->inv)},
              "read (op " + std::to_string(idx(r.inv)) + ") shows " + r.value.dump() +
                  " but the registration of " + winner->who + " (op " +
                  std::to_string(idx(winner->inv)) + ") succeeded");
          continue;
        }
        if (r.ret < claim->inv) {
          add("read-before-claim", {idx(r.inv), idx(claim->inv)},
              "read (op " + std::to_string(idx(r.inv)) + ") showed " + r.value.dump() +
                  " before its registration (op " + std::to_string(idx(claim->inv)) +
                  ") was invoked");
        }
      }
      if (winner) winners[key.is_string() ? key.get<std::string>() : key.dump()] = winner->who;
      for (const Read& r : reads) {
        if (!r.value.is_null()) continue;
        if (winner && winner->ret >= 0 && r.inv > winner->ret) {
          add("lost-registration", {idx(r.inv), idx(winner->inv)},
              "read (op " + std::to_string(idx(r.inv)) + ") shows the name free after the "
              "registration of " + winner->who + " (op " + std::to_string(idx(winner->inv)) +
                  ") succeeded");
        }
        for (const Read& o : reads) {
          if (o.value.is_null() || o.ret >= r.inv) continue;
          add("name-freed", {idx(r.inv), idx(o.inv)},
              "read (op " + std::to_string(idx(r.inv)) + ") shows the name free after read (op " +
                  std::to_string(idx(o.inv)) + ") showed owner " + o.value.dump());
          break;
        }
      }
    }
    const size_t total = anomalies.size();
    if (anomalies.size() > 50) anomalies.erase(anomalies.begin() + 50, anomalies.end());
    return {{"valid", total == 0},
            {"names", names.size()},
            {"registrations", registrations.to_json()},
            {"winners", winners},
            {"anomaly_count", total},
            {"anomalies", anomalies}};
  }
};

}  // namespace

std::unique_ptr<Workload> make_unique_names_workload() {
  return std::make_unique<UniqueNamesWorkload>();
}

}  // namespace faultline::workloads
