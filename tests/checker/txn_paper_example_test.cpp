// Elle's paper example (Figure 2): a G-single-realtime history, serializable but not strict.
#include <catch2/catch.hpp>

#include "faultline/checker/txn/check_transactional.h"
#include "txn_test_support.h"

using namespace faultline;
using namespace faultline::checker::txn;

TEST_CASE("Elle paper example is G-single-realtime and not strict-serializable", "[txn]") {
  const History h = testing::read_edn_lines(std::string(FAULTLINE_CORPUS_DIR) +
                                            "/elle/paper-example.edn");
  TxnCheckOptions opt;
  opt.consistency = "strict-serializable";
  const CheckResult r = check_transactional(h, opt);
  INFO(r.to_json().dump(2));
  CHECK(r.verdict == Verdict::Invalid);
  CHECK(r.witness["anomaly_types"] == Json::array({"G-single-realtime"}));
  CHECK(r.witness["not"] == Json::array({"strict-serializable"}));
  CHECK(r.witness["also_not"].empty());
  CHECK(r.witness["strongest_possible"] == Json::array({"strong-session-serializable"}));
  REQUIRE(r.anomalies.size() == 1);
  const Json& a = r.anomalies[0];
  CHECK(a["svg"].get<std::string>().find("<svg") != std::string::npos);
  // The anti-dependency: T6 read 255=[2 3 4 5], missing T2's append of 8.
  CHECK(a["explanation"].get<std::string>().find(
            "T6 read 255=[2 3 4 5], which does not include T2's append of 8") !=
        std::string::npos);

  opt.consistency = "serializable";
  CHECK(check_transactional(h, opt).verdict == Verdict::Valid);
}
