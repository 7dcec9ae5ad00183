// Builders for small histories in tests: h.invoke(p, "write", 1); h.ok(p, "write", 1); ...
#pragma once
#include <string>

#include "faultline/checker/linearizability.h"
#include "faultline/checker/model_registry.h"
#include "faultline/checker/witness_verifier.h"
#include "faultline/core/history.h"

namespace faultline::checker::testing {

struct HistoryBuilder {
  History h;
  HistoryBuilder& add(int64_t p, OpType t, const std::string& f, Json v, Json key = nullptr) {
    Op op;
    op.process = p;
    op.type = t;
    op.f = f;
    op.value = std::move(v);
    op.key = std::move(key);
    h.add(std::move(op));
    return *this;
  }
  HistoryBuilder& invoke(int64_t p, const std::string& f, Json v = nullptr, Json key = nullptr) {
    return add(p, OpType::Invoke, f, std::move(v), std::move(key));
  }
  HistoryBuilder& ok(int64_t p, const std::string& f, Json v = nullptr, Json key = nullptr) {
    return add(p, OpType::Ok, f, std::move(v), std::move(key));
  }
  HistoryBuilder& fail(int64_t p, const std::string& f, Json v = nullptr, Json key = nullptr) {
    return add(p, OpType::Fail, f, std::move(v), std::move(key));
  }
  HistoryBuilder& info(int64_t p, const std::string& f, Json v = nullptr, Json key = nullptr) {
    return add(p, OpType::Info, f, std::move(v), std::move(key));
  }
  History build() {
    History out = h;
    out.pair();
    return out;
  }
};

// Checks and, for valid verdicts, re-verifies the witness independently (failing the test if
// the verifier rejects it). Returns the verdict.
inline Verdict check_and_verify(const History& h, const std::string& model_name,
                                Consistency c = Consistency::Linearizable,
                                ConsistencyOptions o = {}, CheckResult* out = nullptr) {
  auto model = make_model(model_name);
  if (!model) throw std::runtime_error("no model " + model_name);
  o.consistency = c;
  CheckResult r = check_consistency(h, *model, o);
  if (r.verdict == Verdict::Valid) {
    WitnessVerdict w = verify_witness(h, *model, r.witness, c);
    if (!w.ok) {
      throw std::runtime_error("witness rejected: " + w.error + "\n" + r.to_json().dump());
    }
  }
  if (out) *out = r;
  return r.verdict;
}

}  // namespace faultline::checker::testing
