// Property tests: the linearizability and sequential-consistency checkers against a brute-force
// oracle (oracle.h), per model, on thousands of small random histories (<= 8 client ops, with
// info, fail and pending ops), valid by construction and mutated. Every valid verdict's witness
// must pass the oracle's independent replay.
//
// Seeds: FAULTLINE_SEED=<n> in the environment replaces the default base seed; every failure
// prints the seed of its history and the history itself. FAULTLINE_MAX_OPS=<n> (default 8)
// makes the histories longer for a local soak.
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

// The ops of one partition, positions kept: ops of other keys become nemesis records, which
// the oracle ignores.
History only_key(const History& h, const Json& key) {
  History out;
  for (Op op : h.ops()) {
    if (op.key != key) op.process = kNemesisProcess;
    out.add(std::move(op));
  }
  return out;
}

// Replays every partition order of a valid witness through the oracle: a single partition (the
// whole history, or the merged sequential order) against the whole history, several (one per
// key) each against its key's ops.
void replay_witness(const char* model_name, const History& h, OracleConsistency oc,
                    const Json& witness) {
  const Json& parts = witness.at("partitions");
  for (const Json& part : parts) {
    const auto order = part.at("order").get<std::vector<int64_t>>();
    const auto problem = parts.size() == 1
                             ? oracle_replay(model_name, h, oc, order)
                             : oracle_replay(model_name, only_key(h, part.at("key")), oc, order);
    INFO("partition " << part.dump());
    CHECK(problem.value_or("") == "");
  }
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
    replay_witness(model_name, h, oc, r.witness);
  } else {
    // An invalid verdict's longest prefixes must themselves be legal prefixes (of the failing
    // partition's ops; a null partition is the whole history).
    const Json& key = r.witness.at("partition");
    const History part = key.is_null() ? h : only_key(h, key);
    for (const Json& prefix : r.witness.at("prefixes")) {
      const auto problem = oracle_replay_prefix(model_name, part, oc,
                                                prefix.at("order").get<std::vector<int64_t>>());
      CHECK(problem.value_or("") == "");
    }
  }
}


// Three shapes of history per model: plain, info/pending-heavy, and two keys (per-key
// partitions for linearizability; one merged search for sequential consistency).
struct NamedShape {
  const char* name;
  HistoryShape shape;
};

// FAULTLINE_MAX_OPS=<n> enlarges the histories for a local soak (the oracle is exponential:
// CI keeps the default 8).
int max_ops() {
  if (const char* s = std::getenv("FAULTLINE_MAX_OPS")) return std::atoi(s);
  return 8;
}

std::vector<NamedShape> shapes() {
  HistoryShape plain;
  plain.max_ops = max_ops();
  HistoryShape indeterminate = plain;
  indeterminate.p_fail = 0.1;
  indeterminate.p_info = 0.35;
  indeterminate.p_pending = 0.15;
  HistoryShape keyed = plain;
  keyed.keys = 2;
  return {{"plain", plain}, {"info-heavy", indeterminate}, {"two-keys", keyed}};
}

}  // namespace

TEST_CASE("checkers agree with the brute-force oracle on random histories") {
  const uint64_t seed0 = base_seed();
  const int per_model = 2100;  // valid + mutated = 2 histories each, both algorithms
  const auto all_shapes = shapes();
  for (const char* name : kModels) {
    const auto model = fc::make_model(name);
    REQUIRE(model != nullptr);
    Tally lin, seq;
    for (int i = 0; i < per_model; ++i) {
      const uint64_t seed = seed0 * 7919 + static_cast<uint64_t>(i);
      std::mt19937_64 rng(seed);
      const NamedShape& shape = all_shapes[static_cast<size_t>(i) % all_shapes.size()];
      const History valid = generate_valid_history(name, rng, shape.shape);
      History mutated = mutate_history(name, valid, rng);
      if (rng() % 2 == 0) mutated = mutate_history(name, mutated, rng);  // sometimes twice
      for (const History* h : {&valid, static_cast<const History*>(&mutated)}) {
        INFO("model " << name << " shape " << shape.name << " seed " << seed
                      << " (FAULTLINE_SEED=" << seed0 << ", i=" << i << ")\n"
                      << history_to_string(*h));
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

// Scale (hidden, a local measurement, not CI: `checker_model_tests "[scale]"`, with
// FAULTLINE_MAX_OPS / FAULTLINE_PROCESSES / FAULTLINE_P_INFO): long generated histories, valid
// by construction, should come out valid with a witness the verifier accepts. No oracle (it is
// exponential). Known limit it shows: fifo-queue histories whose queue stays deep (this
// generator enqueues more than it dequeues) blow up the search from ~300 ops on 4 processes,
// because the order of concurrent enqueues is only decided when they are dequeued much later;
// unordered-queue likewise with many info dequeues (each placement is a distinct exact state).
TEST_CASE("long generated histories are linearizable", "[.][scale]") {
  const uint64_t seed0 = base_seed();
  HistoryShape shape;
  shape.max_ops = shape.min_ops = std::max(8, max_ops());
  shape.max_processes = 4;  // FAULTLINE_PROCESSES overrides
  if (const char* p = std::getenv("FAULTLINE_PROCESSES")) shape.max_processes = std::atoi(p);
  shape.value_range = 40;
  shape.p_fail = 0.05;
  shape.p_info = 0.02;  // FAULTLINE_P_INFO overrides
  if (const char* p = std::getenv("FAULTLINE_P_INFO")) shape.p_info = std::atof(p);
  shape.p_pending = 0.0;
  for (const char* name : kModels) {
    const auto model = fc::make_model(name);
    REQUIRE(model != nullptr);
    std::mt19937_64 rng(seed0);
    const History h = generate_valid_history(name, rng, shape);
    INFO("model " << name << " seed " << seed0 << ", " << h.size() << " events");
    fc::ConsistencyOptions options;
    options.time_limit_s = 20;
    const CheckResult r = fc::check_linearizable(h, *model, options);
    WARN("model " << name << ": " << h.size() << " events, " << to_string(r.verdict) << ", stats "
                  << r.stats.dump());
    CHECK(r.verdict == Verdict::Valid);
    if (r.verdict != Verdict::Valid) continue;
    const fc::WitnessVerdict verified =
        fc::verify_witness(h, *model, r.witness, fc::Consistency::Linearizable);
    CHECK(verified.error == "");
  }
}
