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

#include "oracle.h"
#include "random_history.h"

using namespace faultline;
using namespace faultline::test;

namespace {

const char* const kModels[] = {"counter", "set", "fifo-queue", "unordered-queue", "mutex"};

uint64_t base_seed() {
  if (const char* s = std::getenv("FAULTLINE_SEED")) return std::strtoull(s, nullptr, 10);
  return 20261125;
}

}  // namespace

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
