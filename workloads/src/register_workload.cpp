// register and cas-register: Jepsen's per-key linearizable register workloads.
//
// Generator: independent keys (Jepsen `independent`): keys 0, 1, 2, ... each get ops_per_key ops
// (default 100), keys_in_flight at a time (default concurrency / 3, at least 1), and a final read
// of every key used.
//   register      read | write v, v a fresh unique int (ValueKind::NextUniqueInt);
//   cas-register  read | write v | cas [expected new], values random ints in [0, 4] (small so that
//                 cas succeeds often; ValueKind::RandomInt / CasPair).
// Client: one PROTOCOL.md request per op on key = the op key as a string ("3"):
//   read  -> {"op":"read"}                  ok: value = what was read (null = absent);
//   write -> {"op":"write","value":v}       ok: value = v;
//   cas   -> {"op":"cas","expected":e,"value":n}  ok: value = [e n];
//   errors: definite ones (not-leader, unavailable, bad-request, cas-mismatch) -> fail with the
//   error code; timeout / shutting-down -> info; NotSent / Indeterminate from the client
//   propagate to the runner (fail / info).
// Checker: linearizability of each key against the checker library's `register` /
// `cas-register` model (keys checked separately, P-compositionality; every failing key is
// reported with the op no linearization can place — e.g. a stale read — its [invoke, completion]
// indexes, what it returned, and the longest linearizable prefixes with their states). See
// detail::check_per_key_linearizable for the result's shape.
#include <stdexcept>

#include <faultline/checker/model_registry.h>

#include "kv_common.h"

namespace faultline::workloads {
namespace {

class RegisterWorkload : public Workload {
 public:
  explicit RegisterWorkload(bool with_cas) : with_cas_(with_cas) {}
  std::string name() const override { return with_cas_ ? "cas-register" : "register"; }
  std::string description() const override {
    return with_cas_ ? "per-key read/write/cas register (values 0..4); checked for "
                       "linearizability per key with the cas-register model"
                     : "per-key read/write register (unique written values); checked for "
                       "linearizability per key with the register model";
  }
  std::vector<std::string> required_ops() const override {
    if (with_cas_) return {"read", "write", "cas"};
    return {"read", "write"};
  }
  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override {
    std::vector<OpTemplate> mix;
    if (with_cas_) {
      mix = {OpTemplate{"read", 1, ValueKind::None},
             OpTemplate{"write", 1, ValueKind::RandomInt, 0, 4},
             OpTemplate{"cas", 1, ValueKind::CasPair, 0, 4}};
    } else {
      mix = {OpTemplate{"read", 1, ValueKind::None},
             OpTemplate{"write", 1, ValueKind::NextUniqueInt}};
    }
    config.phases = {detail::single_phase(std::move(mix), opts)};
    detail::set_independent_keys(config, opts, 100, 3);
    config.final_ops = {OpTemplate{"read", 1, ValueKind::None}};
  }
  Op invoke(const Op& inv, SutClient& client) const override {
    const std::string key = detail::sut_key(inv.key);
    if (inv.f == "read") {
      const Reply r = client.call(detail::read_request(key));
      return complete_from_reply(inv, r, r.value);
    }
    if (inv.f == "write") {
      return complete_from_reply(inv, client.call(detail::write_request(key, inv.value)),
                                 inv.value);
    }
    if (inv.f == "cas" && with_cas_) {
      if (!inv.value.is_array() || inv.value.size() != 2) {
        throw std::invalid_argument(name() + ": cas value must be [expected new], got " +
                                    inv.value.dump());
      }
      return complete_from_reply(
          inv, client.call(detail::cas_request(key, inv.value[0], inv.value[1])), inv.value);
    }
    throw std::invalid_argument(name() + ": unknown op f '" + inv.f + "'");
  }
  Json check(const History& history, const WorkloadOptions& opts) const override {
    auto model = checker::make_model(with_cas_ ? "cas-register" : "register");
    if (!model) return {{"valid", "unknown"}, {"error", "checker model missing"}};
    return detail::check_per_key_linearizable(history, *model, opts);
  }

 private:
  bool with_cas_;
};

}  // namespace

std::unique_ptr<Workload> make_register_workload() {
  return std::make_unique<RegisterWorkload>(false);
}
std::unique_ptr<Workload> make_cas_register_workload() {
  return std::make_unique<RegisterWorkload>(true);
}

}  // namespace faultline::workloads
