// The public corpus row for the mutex model: knossos/mutex/bad/etcd.edn is not linearizable
// (verdicts.tsv), read through the real EDN reader and checked by the real search. Its invalid
// witness is re-checked by the brute-force oracle's replay (the longest prefixes are legal).
#include <catch2/catch.hpp>

#include <string>

#include "faultline/checker/linearizability.h"
#include "faultline/checker/model_registry.h"
#include "faultline/core/formats.h"
#include "oracle.h"

using namespace faultline;
namespace fc = faultline::checker;

TEST_CASE("corpus: knossos/mutex/bad/etcd.edn is not linearizable") {
  const std::string path = std::string(FAULTLINE_CORPUS_DIR) + "/knossos/mutex/bad/etcd.edn";
  History h = read_history_file(path);
  REQUIRE(h.size() == 1135);
  const auto model = fc::make_model("mutex");
  REQUIRE(model != nullptr);

  const CheckResult r = fc::check_linearizable(h, *model);
  INFO(r.to_json().dump());
  REQUIRE(r.verdict == Verdict::Invalid);
  // Only acquire/release ops that did not fail reach the search; nemesis start/stop do not.
  CHECK(r.stats.at("dropped_fail_ops").get<int64_t>() == 141 + 158);
  REQUIRE(r.witness.contains("op"));
  const auto blocking = r.witness.at("op").get<int64_t>();
  REQUIRE(blocking >= 0);
  REQUIRE(blocking < static_cast<int64_t>(h.size()));
  const std::string f = h[static_cast<size_t>(blocking)].f;
  CHECK((f == "acquire" || f == "release"));
  REQUIRE_FALSE(r.witness.at("prefixes").empty());
  for (const Json& prefix : r.witness.at("prefixes")) {
    const auto order = prefix.at("order").get<std::vector<int64_t>>();
    CHECK(static_cast<int64_t>(order.size()) == r.witness.at("max_linearized").get<int64_t>());
    const auto problem = test::oracle_replay_prefix("mutex", h, test::OracleConsistency::Linearizable,
                                                    order);
    CHECK(problem.value_or("") == "");
  }
}

TEST_CASE("mutex: a failed release did not happen, an info acquire may have") {
  // Small histories in the shape of the etcd one, decided by the search and the oracle alike.
  auto build = [](std::initializer_list<std::tuple<int64_t, OpType, const char*>> events) {
    History h;
    for (const auto& [p, t, f] : events) {
      Op op;
      op.process = p;
      op.type = t;
      op.f = f;
      if (t == OpType::Fail) op.error = "not-held";
      h.add(std::move(op));
    }
    return h;
  };
  const auto model = fc::make_model("mutex");
  REQUIRE(model != nullptr);
  struct Case {
    const char* what;
    History h;
    bool linearizable;
  };
  const Case cases[] = {
      {"two holders at once",
       build({{0, OpType::Invoke, "acquire"}, {0, OpType::Ok, "acquire"},
              {1, OpType::Invoke, "acquire"}, {1, OpType::Ok, "acquire"}}),
       false},
      {"failed release between two acquires does not free the lock",
       build({{0, OpType::Invoke, "acquire"}, {0, OpType::Ok, "acquire"},
              {2, OpType::Invoke, "release"}, {2, OpType::Fail, "release"},
              {1, OpType::Invoke, "acquire"}, {1, OpType::Ok, "acquire"}}),
       false},
      {"an info release may have freed it",
       build({{0, OpType::Invoke, "acquire"}, {0, OpType::Ok, "acquire"},
              {2, OpType::Invoke, "release"}, {2, OpType::Info, "release"},
              {1, OpType::Invoke, "acquire"}, {1, OpType::Ok, "acquire"}}),
       true},
      {"concurrent release and acquire order freely",
       build({{0, OpType::Invoke, "acquire"}, {0, OpType::Ok, "acquire"},
              {1, OpType::Invoke, "acquire"}, {0, OpType::Invoke, "release"},
              {1, OpType::Ok, "acquire"}, {0, OpType::Ok, "release"}}),
       true},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    CHECK(test::oracle_check("mutex", c.h, test::OracleConsistency::Linearizable) ==
          c.linearizable);
    const CheckResult r = fc::check_linearizable(c.h, *model);
    CHECK((r.verdict == Verdict::Valid) == c.linearizable);
  }
}
