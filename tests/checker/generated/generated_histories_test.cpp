// The benchmark's generated histories (bench/checker_history_gen.h) are linearizable by
// construction: the checker must say so and the verifier must accept its witness; corrupting
// one read must make them invalid. Sizes are kept small for CI.
#include <catch2/catch.hpp>

#include "checker_history_gen.h"
#include "linearizability_test_util.h"

using namespace faultline;
using namespace faultline::checker;

namespace {

void check_generated(const bench::GenSpec& spec, const char* model_name) {
  INFO("seed " << spec.seed << " model " << model_name << " info% " << spec.info_percent);
  History h = bench::generate_history(spec);
  h.pair();
  auto model = make_model(model_name);
  const CheckResult r = check_linearizable(h, *model);
  REQUIRE(r.verdict == Verdict::Valid);
  const WitnessVerdict w = verify_witness(h, *model, r.witness, Consistency::Linearizable);
  INFO(w.error);
  CHECK(w.ok);
  CHECK(r.stats["partitions"] == spec.keys);

  // Corrupt the last ok read: nobody wrote that value.
  auto& ops = h.mutable_ops();
  for (size_t i = ops.size(); i-- > 0;) {
    if (ops[i].type == OpType::Ok && (ops[i].f == "read" || ops[i].f == "get")) {
      ops[i].value = ops[i].value.is_string() ? Json("never written") : Json(-12345);
      break;
    }
  }
  h.pair();
  CHECK(check_linearizable(h, *model).verdict == Verdict::Invalid);
}

}  // namespace

TEST_CASE("generated kv append/get histories") {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    bench::GenSpec spec;
    spec.workload = bench::GeneratedWorkload::KvAppendGet;
    spec.ops = 2000;
    spec.clients = 50;
    spec.keys = 50;
    spec.seed = seed;
    spec.info_percent = seed % 2 ? 0 : 5;
    check_generated(spec, "kv");
  }
}

TEST_CASE("generated register histories") {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    bench::GenSpec spec;
    spec.ops = 20000;
    spec.clients = 40;
    spec.keys = 100;
    spec.value_range = 5;
    spec.seed = seed;
    spec.info_percent = seed == 2 ? 3 : 0;
    check_generated(spec, "cas-register");
  }
}
