// Property tests: the linearizability and sequential-consistency checkers against a brute-force
// oracle (oracle.h), per model, on thousands of small random histories (<= 8 client ops, with
// info, fail and pending ops), valid by construction and mutated. Every valid verdict's witness
// must pass the oracle's independent replay.
//
// Seeds: FAULTLINE_SEED=<n> in the environment replaces the default base seed; every failure
// prints the seed of its history and the history itself.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>
#include <string>

#include "faultline/checker/linearizability.h"
#include "faultline/checker/model_registry.h"
#include "faultline/checker/witness_verifier.h"
#include "oracle.h"
#include "random_history.h"

using namespace faultline;
using namespace faultline::test;
namespace fc = faultline::checker;

namespace {

const char* const kModels[] = {"counter", "set", "fifo-queue", "unordered-queue", "mutex"};

uint64_t base_seed() {
  if (const char* s = std::getenv("FAULTLINE_SEED")) return std::strtoull(s, nullptr, 10);
  return 20261125;
}

// The witness order of a valid verdict. Our histories have no keys, so there is one partition
// (or none, when no op survives compilation).
std::vector<int64_t> witness_order(const CheckResult& r) {
  const Json& parts = r.witness.at("partitions");
  REQUIRE(parts.size() <= 1);
  if (parts.empty()) return {};
  return parts[0].at("order").get<std::vector<int64_t>>();
}

struct Tally {
  int histories = 0;
  int valid = 0;
  int invalid = 0;
};

// Checks one history with one algorithm against the oracle; on a valid verdict, replays the
// witness through the oracle's independent spec.
void check_against_oracle(const char* model_name, const fc::Model& model, const History& h,
                          fc::Consistency c, Tally& tally) {
  const OracleConsistency oc = c == fc::Consistency::Linearizable
                                   ? OracleConsistency::Linearizable
                                   : OracleConsistency::Sequential;
  const bool expected = oracle_check(model_name, h, oc);
  fc::ConsistencyOptions options;
  options.consistency = c;
  options.threads = 1;
  const CheckResult r = fc::check_consistency(h, model, options);
  INFO("consistency " << fc::to_string(c) << ", oracle says " << (expected ? "valid" : "invalid")
                      << ", checker says " << r.to_json().dump());
  REQUIRE(r.verdict != Verdict::Unknown);
  CHECK((r.verdict == Verdict::Valid) == expected);
  ++tally.histories;
  (r.verdict == Verdict::Valid ? tally.valid : tally.invalid)++;
  if (r.verdict == Verdict::Valid) {
    const fc::WitnessVerdict verified = fc::verify_witness(h, model, r.witness, c);
    CHECK(verified.error == "");
    CHECK(verified.ok);
    const auto problem = oracle_replay(model_name, h, oc, witness_order(r));
    CHECK(problem.value_or("") == "");
  } else {
    // An invalid verdict's longest prefixes must themselves be legal prefixes.
    for (const Json& prefix : r.witness.at("prefixes")) {
      const auto problem =
          oracle_replay_prefix(model_name, h, oc, prefix.at("order").get<std::vector<int64_t>>());
      CHECK(problem.value_or("") == "");
    }
  }
}

}  // namespace

TEST_CASE("checkers agree with the brute-force oracle on random histories") {
  const uint64_t seed0 = base_seed();
  const int per_model = 2000;  // valid + mutated = 2 histories each, both algorithms
  for (const char* name : kModels) {
    const auto model = fc::make_model(name);
    REQUIRE(model != nullptr);
    Tally lin, seq;
    for (int i = 0; i < per_model; ++i) {
      const uint64_t seed = seed0 * 7919 + static_cast<uint64_t>(i);
      std::mt19937_64 rng(seed);
      const History valid = generate_valid_history(name, rng);
      const History mutated = mutate_history(name, valid, rng);
      for (const History* h : {&valid, &mutated}) {
        INFO("model " << name << " seed " << seed << " (FAULTLINE_SEED=" << seed0 << ", i=" << i
                      << ")\n" << history_to_string(*h));
        check_against_oracle(name, *model, *h, fc::Consistency::Linearizable, lin);
        check_against_oracle(name, *model, *h, fc::Consistency::Sequential, seq);
      }
    }
    WARN("model " << name << ": linearizable " << lin.valid << " valid / " << lin.invalid
                  << " invalid; sequential " << seq.valid << " valid / " << seq.invalid
                  << " invalid");
    // Both outcomes must be well represented, or the test proves little.
    CHECK(lin.invalid > per_model / 5);
    CHECK(lin.valid > per_model);
    CHECK(seq.invalid > 0);
  }
}

TEST_CASE("oracle: generated histories are valid by construction") {
  const uint64_t seed0 = base_seed();
  for (const char* model : kModels) {
    int invalid_after_mutation = 0;
    const int n = 400;
    for (int i = 0; i < n; ++i) {
      const uint64_t seed = seed0 * 1000003 + static_cast<uint64_t>(i);
      std::mt19937_64 rng(seed);
      const History h = generate_valid_history(model, rng);
      INFO("model " << model << " seed " << seed << "\n" << history_to_string(h));
      REQUIRE(oracle_check(model, h, OracleConsistency::Linearizable));
      REQUIRE(oracle_check(model, h, OracleConsistency::Sequential));
      const History m = mutate_history(model, h, rng);
      INFO("mutated:\n" << history_to_string(m));
      const bool lin = oracle_check(model, m, OracleConsistency::Linearizable);
      const bool seq = oracle_check(model, m, OracleConsistency::Sequential);
      CHECK((!lin || seq));  // linearizable implies sequentially consistent
      invalid_after_mutation += !lin;
    }
    INFO("model " << model << ": " << invalid_after_mutation << " of " << n
                  << " mutated histories not linearizable");
    CHECK(invalid_after_mutation > n / 5);
  }
}

TEST_CASE("oracle: replay accepts a correct order and rejects wrong ones") {
  // p0 enqueue 1 ok, then p1 dequeue -> 1 ok, p2 dequeue info.
  History h;
  auto add = [&](int64_t p, OpType t, const char* f, Json v) {
    Op op;
    op.process = p;
    op.type = t;
    op.f = f;
    op.value = std::move(v);
    h.add(std::move(op));
  };
  add(0, OpType::Invoke, "enqueue", 1);   // 0
  add(0, OpType::Ok, "enqueue", 1);       // 1
  add(2, OpType::Invoke, "dequeue", nullptr);  // 2
  add(1, OpType::Invoke, "dequeue", nullptr);  // 3
  add(1, OpType::Ok, "dequeue", 1);       // 4
  add(2, OpType::Info, "dequeue", nullptr);    // 5
  CHECK(oracle_check("fifo-queue", h, OracleConsistency::Linearizable));
  CHECK_FALSE(oracle_replay("fifo-queue", h, OracleConsistency::Linearizable, {0, 3}));
  CHECK(oracle_replay("fifo-queue", h, OracleConsistency::Linearizable, {3, 0}));   // order
  CHECK(oracle_replay("fifo-queue", h, OracleConsistency::Linearizable, {0}));      // missing ok
  CHECK(oracle_replay("fifo-queue", h, OracleConsistency::Linearizable, {0, 2, 3}));  // illegal
  CHECK(oracle_replay("fifo-queue", h, OracleConsistency::Linearizable, {0, 3, 3}));  // twice
  CHECK(oracle_replay("fifo-queue", h, OracleConsistency::Linearizable, {0, 1, 3}));  // not inv
  // unordered: the unknown dequeue may take the 1 only if nobody else does.
  CHECK_FALSE(oracle_replay("unordered-queue", h, OracleConsistency::Linearizable, {0, 3}));
  CHECK(oracle_replay("unordered-queue", h, OracleConsistency::Linearizable, {0, 2, 3}));
}
