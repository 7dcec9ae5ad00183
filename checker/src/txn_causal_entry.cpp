#include "faultline/checker/txn_causal_entry.h"

#include <stdexcept>

#include "faultline/checker/causal/check_causal.h"
#include "faultline/checker/txn/check_transactional.h"
#include "faultline/checker/txn/consistency_models.h"

namespace faultline::checker {

namespace {

bool is_causal(const std::string& c) {
  return c == "causal" || c == "causal-memory" || c == "causal-convergence";
}

bool is_session(const std::string& c) {
  return c == "read-your-writes" || c == "monotonic-reads" || c == "monotonic-writes" ||
         c == "writes-follow-reads";
}

}  // namespace

std::optional<CheckResult> check_txn_or_causal(const History& history, const std::string& model,
                                               const std::string& consistency,
                                               const TxnCausalFlags& flags) {
  if (model == "list-append" || model == "rw-register") {
    if (is_causal(consistency) || is_session(consistency)) {
      throw std::invalid_argument("--consistency " + consistency +
                                  " applies to register histories, not --model " + model +
                                  " (use a transactional model such as serializable)");
    }
    txn::TxnCheckOptions o;
    o.model = txn::txn_model_from_string(model);
    if (!consistency.empty()) o.consistency = consistency;
    o.sequential_keys = flags.sequential_keys;
    o.linearizable_keys = flags.linearizable_keys;
    o.render_svg = flags.render_svg;
    return txn::check_transactional(history, o);
  }
  if (is_causal(consistency)) {
    causal::CausalOptions o;
    o.model = causal::causal_model_from_string(consistency);
    return causal::check_causal(history, o);
  }
  if (is_session(consistency)) {
    causal::SessionOptions o;
    o.guarantees = {causal::session_guarantee_from_string(consistency)};
    return causal::check_session_guarantees(history, o);
  }
  if (txn::is_transactional_model(consistency) && model.empty()) {
    throw std::invalid_argument("--consistency " + consistency +
                                " needs --model list-append or --model rw-register");
  }
  return std::nullopt;
}

}  // namespace faultline::checker
