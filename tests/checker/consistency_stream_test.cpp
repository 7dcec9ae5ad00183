// ConsistencyStream (what `faultline check` streams files through) gives check_consistency's
// result on the same ops: every linearizability row of the public corpus (valid and invalid),
// and random keyed histories, linearizable and sequential, with info ops, reused processes, fail
// ops, pending invocations and planted stale reads. Compared: verdict, witness, anomalies and
// the op counts.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <sstream>

#include "faultline/checker/consistency_stream.h"
#include "faultline/core/error.h"
#include "faultline/core/formats.h"
#include "linearizability_test_util.h"

using namespace faultline;
using namespace faultline::checker;

namespace {

CheckResult streamed(const History& h, const Model& model, const ConsistencyOptions& o) {
  ConsistencyStream s(model, o);
  for (Op op : h.ops()) s.add(std::move(op));
  return s.finish();
}

void check_same(const History& h, const std::string& model_name, Consistency c) {
  auto model = make_model(model_name);
  REQUIRE(model);
  ConsistencyOptions o;
  o.consistency = c;
  o.threads = 1;
  const CheckResult want = check_consistency(h, *model, o);
  const CheckResult got = streamed(h, *model, o);
  REQUIRE(got.verdict == want.verdict);
  CHECK(got.witness == want.witness);
  CHECK(Json(got.anomalies) == Json(want.anomalies));
  for (const char* k : {"ops", "checked_ops", "dropped_fail_ops", "dropped_unknown_ops",
                        "partitions"}) {
    CHECK(got.stats[k] == want.stats[k]);
  }
}

// Keyed register history: `clients` processes, a shared register per key applied at a random
// point between invocation and completion; some completions info (the process is reused) or
// fail, a few invocations never complete, and with `stale` a read returns an old value.
History random_history(std::mt19937_64& rng, bool stale) {
  History h;
  const int clients = 2 + static_cast<int>(rng() % 5), keys = 1 + static_cast<int>(rng() % 3);
  std::vector<int64_t> reg(static_cast<size_t>(keys), 0);
  struct Flight { bool open = false; std::string f; int64_t key = 0, value = 0; };
  std::vector<Flight> fl(static_cast<size_t>(clients));
  const int steps = 10 + static_cast<int>(rng() % 40);
  for (int i = 0; i < steps; ++i) {
    const auto p = static_cast<size_t>(rng() % static_cast<uint64_t>(clients));
    Op op;
    op.process = static_cast<int64_t>(p);
    if (!fl[p].open) {
      Flight& f = fl[p];
      f = Flight{true, rng() % 2 ? "read" : "write", static_cast<int64_t>(rng() % keys),
                 static_cast<int64_t>(rng() % 5)};
      op.type = OpType::Invoke;
      op.f = f.f;
      op.key = f.key;
      if (f.f == "write") op.value = f.value;
    } else {
      Flight& f = fl[p];
      f.open = false;
      op.f = f.f;
      op.key = f.key;
      const uint64_t r = rng() % 10;
      op.type = r == 0 ? OpType::Info : r == 1 ? OpType::Fail : OpType::Ok;
      int64_t& cell = reg[static_cast<size_t>(f.key)];
      if (f.f == "write") {
        op.value = f.value;
        if (op.type != OpType::Fail && !(op.type == OpType::Info && rng() % 2)) cell = f.value;
      } else if (op.type == OpType::Ok) {
        op.value = stale && rng() % 4 == 0 ? Json((cell + 1) % 5) : Json(cell);
      }
    }
    h.add(std::move(op));
  }
  return h;
}

}  // namespace

TEST_CASE("the streamed check equals check_consistency on the corpus") {
  std::ifstream in(std::string(FAULTLINE_CORPUS_DIR) + "/verdicts.tsv");
  REQUIRE(in.good());
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (cols.size() < 3 || cols[0] == "file") continue;
    std::string model = cols[1] == "kv-append (per key)" ? "kv" : cols[1];
    if (model != "cas-register" && model != "multi-register" && model != "mutex" && model != "kv") {
      continue;
    }
    INFO(cols[0]);
    History h = read_history_file(std::string(FAULTLINE_CORPUS_DIR) + "/" + cols[0]);
    check_same(h, model, Consistency::Linearizable);
    ++rows;
  }
  CHECK(rows > 40);
}

TEST_CASE("the streamed check equals check_consistency on random histories") {
  std::mt19937_64 rng(7);
  int valid = 0, invalid = 0;
  for (int i = 0; i < 1500; ++i) {
    const History h = random_history(rng, i % 2 == 1);
    INFO("history " << i);
    check_same(h, "cas-register", i % 5 == 0 ? Consistency::Sequential : Consistency::Linearizable);
    auto model = make_model("cas-register");
    const Verdict v = check_consistency(h, *model).verdict;
    valid += v == Verdict::Valid;
    invalid += v == Verdict::Invalid;
  }
  CHECK(valid > 100);
  CHECK(invalid > 100);
}

TEST_CASE("the streamed check throws check_consistency's pairing error") {
  ConsistencyStream s(*make_model("cas-register"));
  Op op;
  op.process = 4;
  op.type = OpType::Ok;
  op.f = "read";
  CHECK_THROWS_AS(s.add(std::move(op)), HistoryError);
}
