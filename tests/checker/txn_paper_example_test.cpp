// Elle's paper example (Figure 2). The paper reads it as G-single-realtime (serializable, not
// strict): T2 -wr-> T4 (T4 saw T2's 8 on 255), T4 completed before T6 began, T6 -rw-> T2 (T6
// read 255 without 8). With Elle's previously-appended-element rule the history is not even
// serializable: T6's append of 3 to 256, which no read shows, came after 4 (the highest element
// observed on 256, T4's), so T4 -ww-> T6 closes the same cycle without real time: G-single.
#include <catch2/catch.hpp>

#include "graphviz_lsan_suppressions.h"

#include "faultline/checker/txn/check_transactional.h"
#include "faultline/core/formats.h"

using namespace faultline;
using namespace faultline::checker::txn;

TEST_CASE("Elle paper example is G-single (and G-single-realtime)", "[txn]") {
  History h = read_history_file(std::string(FAULTLINE_CORPUS_DIR) + "/elle/paper-example.edn");
  h.pair();
  TxnCheckOptions opt;
  opt.consistency = "strict-serializable";
  const CheckResult r = check_transactional(h, opt);
  INFO(r.to_json().dump(2));
  CHECK(r.verdict == Verdict::Invalid);
  CHECK(r.witness["anomaly_types"] == Json::array({"G-single", "G-single-realtime"}));
  CHECK(r.witness["not"] == Json::array({"repeatable-read", "snapshot-isolation"}));
  CHECK(r.witness["strongest_possible"] == Json::array({"monotonic-atomic-view"}));
  REQUIRE(r.anomalies.size() == 2);
  const Json& single = r.anomalies[0];
  CHECK(single["type"] == "G-single");
  CHECK(single["svg"].get<std::string>().find("<svg") != std::string::npos);
  const std::string why = single["explanation"].get<std::string>();
  // The anti-dependency: T6 read 255=[2 3 4 5], missing T2's append of 8 ...
  CHECK(why.find("T6 read 255=[2 3 4 5], which does not include T2's append of 8") !=
        std::string::npos);
  // ... and the write order no read shows.
  CHECK(why.find("T6 appended 3 to 256 after T4's append of 4: no read shows 3") !=
        std::string::npos);
  CHECK(r.anomalies[1]["type"] == "G-single-realtime");

  opt.consistency = "serializable";
  CHECK(check_transactional(h, opt).verdict == Verdict::Invalid);
  opt.consistency = "read-committed";
  CHECK(check_transactional(h, opt).verdict == Verdict::Valid);
}
