// Every row of the public corpus (tests/corpus/verdicts.tsv) for the models checked by
// linearizability gives exactly its verdict through the library; every valid verdict's witness
// passes the independent verifier. (The Elle list-append row belongs to the txn checkers.)
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "faultline/core/formats.h"
#include "linearizability_test_util.h"

using namespace faultline;
using namespace faultline::checker;

namespace {

struct CorpusRow {
  std::string file, model, expected;
};

// Rows whose model the linearizability checker handles, with the registry model name.
std::vector<CorpusRow> corpus_rows() {
  std::ifstream in(std::string(FAULTLINE_CORPUS_DIR) + "/verdicts.tsv");
  REQUIRE(in.good());
  std::vector<CorpusRow> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (cols.size() < 3 || cols[0] == "file") continue;
    std::string model = cols[1];
    if (model == "kv-append (per key)") model = "kv";
    if (model != "cas-register" && model != "multi-register" && model != "mutex" && model != "kv") {
      continue;
    }
    rows.push_back({cols[0], model, cols[2]});
  }
  return rows;
}

}  // namespace

TEST_CASE("corpus verdicts through the library") {
  const auto rows = corpus_rows();
  REQUIRE(rows.size() >= 140);
  int valid = 0, invalid = 0;
  for (const auto& row : rows) {
    INFO(row.file << " (" << row.model << ") expected " << row.expected);
    History h = read_history_file(std::string(FAULTLINE_CORPUS_DIR) + "/" + row.file);
    h.pair();
    auto model = make_model(row.model);
    REQUIRE(model);
    const CheckResult r = check_linearizable(h, *model);
    const Verdict want = row.expected == "linearizable" ? Verdict::Valid : Verdict::Invalid;
    CHECK(r.verdict == want);
    if (r.verdict == Verdict::Valid) {
      const WitnessVerdict w = verify_witness(h, *model, r.witness, Consistency::Linearizable);
      INFO(w.error);
      CHECK(w.ok);
      ++valid;
    } else if (r.verdict == Verdict::Invalid) {
      CHECK(r.witness.contains("op"));
      CHECK(r.witness["prefixes"].size() >= 1);
      ++invalid;
    }
  }
  CHECK(valid == 92);    // 9 etcd + 2 kv + 80 knossos cas-register + 1 multi-register
  CHECK(invalid == 48);  // 40 etcd + 2 kv + 5 knossos cas-register + 1 mutex
}

TEST_CASE("corpus: sequential consistency is never stricter than linearizability") {
  // Every linearizable history is sequentially consistent; the invalid ones must not be
  // reported invalid unless they truly are — here we only ask that no linearizable one is.
  int checked = 0;
  for (const auto& row : corpus_rows()) {
    if (row.expected != "linearizable") continue;
    INFO(row.file);
    History h = read_history_file(std::string(FAULTLINE_CORPUS_DIR) + "/" + row.file);
    h.pair();
    auto model = make_model(row.model);
    const CheckResult r = check_sequential(h, *model);
    CHECK(r.verdict == Verdict::Valid);
    if (r.verdict == Verdict::Valid) {
      const WitnessVerdict w = verify_witness(h, *model, r.witness, Consistency::Sequential);
      INFO(w.error);
      CHECK(w.ok);
    }
    ++checked;
  }
  CHECK(checked == 92);
}

TEST_CASE("corpus: etcd histories that are not linearizable, checked for sequential consistency") {
  // No verdict is published for these; the search must end (valid or invalid) within budget and
  // any valid order must pass the verifier.
  for (const char* f : {"etcd_000.log", "etcd_001.log"}) {
    INFO(f);
    History h = read_history_file(std::string(FAULTLINE_CORPUS_DIR) + "/porcupine/etcd/" + f);
    h.pair();
    auto model = make_model("cas-register");
    ConsistencyOptions o;
    o.time_limit_s = 5;
    const CheckResult r = check_sequential(h, *model, o);
    CHECK(r.verdict != Verdict::Unknown);
    if (r.verdict == Verdict::Valid) {
      CHECK(verify_witness(h, *model, r.witness, Consistency::Sequential).ok);
    }
  }
}
