// The CRDT workloads' checkers (pn-counter, or-set, lww-register) on hand-written histories:
// each rule of their header comments accepts a legal history and names its anomaly on one that
// breaks it (the same history with one final read changed).
#include <catch2/catch.hpp>

#include "workload_test_util.h"

using namespace faultline;
using namespace faultline::workloads;
using namespace faultline::workloads::testing;

namespace {

bool names(const Json& result, const std::string& type) {
  return result.dump().find("\"" + type + "\"") != std::string::npos;
}

Json check(const std::string& workload, const History& h) {
  return make_workload(workload)->check(h, WorkloadOptions{});
}

}  // namespace

TEST_CASE("pn-counter: final reads must be the acknowledged sum plus a subset of indeterminate") {
  auto run = [](std::vector<int64_t> finals) {
    HistoryBuilder b;
    b.invoke(0, "add", 5), b.complete(0, OpType::Ok);
    b.invoke(1, "add", -2), b.complete(1, OpType::Ok);
    b.invoke(2, "add", 3), b.complete(2, OpType::Info);  // may have happened
    b.invoke(3, "add", 7), b.complete(3, OpType::Fail);  // did not
    for (size_t i = 0; i < finals.size(); ++i)
      b.invoke(10 + int64_t(i), "final-read"), b.complete(10 + int64_t(i), OpType::Ok, finals[i]);
    return check("pn-counter", b.h);
  };
  CHECK(run({3, 3})["valid"] == true);
  CHECK(run({6, 6})["valid"] == true);
  const Json r = run({4, 4});  // within [3, 6] but no subset of {3} gives +1
  CHECK(r["valid"] == false);
  CHECK(names(r, "counter-not-subset-sum"));
  CHECK(names(run({3, 6}), "divergent-final-reads"));
}

TEST_CASE("or-set: lost adds and resurrected removes are named") {
  auto run = [](Json final_value) {
    HistoryBuilder b;
    b.invoke(0, "add", 1), b.complete(0, OpType::Ok);
    b.invoke(1, "add", 2), b.complete(1, OpType::Ok);
    b.invoke(1, "remove", 0), b.complete(1, OpType::Ok, {{"element", 2}, {"observed", {1, 2}}});
    b.invoke(2, "final-read"), b.complete(2, OpType::Ok, final_value);
    return check("or-set", b.h);
  };
  CHECK(run({1})["valid"] == true);
  CHECK(names(run({1, 2}), "resurrected-remove"));
  CHECK(names(run(Json::array()), "lost-add"));
  CHECK(names(run({1, 9}), "unexpected-element"));
}

TEST_CASE("lww-register: a causally later write must win") {
  auto run = [](Json final_value, bool reread) {
    HistoryBuilder b;
    b.invoke(0, "write", 1), b.complete(0, OpType::Ok);
    b.invoke(1, "read"), b.complete(1, OpType::Ok, 1);
    b.invoke(1, "write", 2), b.complete(1, OpType::Ok);  // follows write 1 on its node
    if (reread) b.invoke(1, "read"), b.complete(1, OpType::Ok, 1);
    b.invoke(2, "final-read"), b.complete(2, OpType::Ok, final_value);
    return check("lww-register", b.h);
  };
  const Json good = run(2, false);
  CHECK(good["valid"] == true);
  CHECK(good["causal_edges"] == 1);
  const Json lost = run(1, false);
  CHECK(lost["valid"] == false);
  CHECK(names(lost, "lost-causally-later-write"));
  const Json reread = run(2, true);  // its own node showed the older value again
  CHECK(reread["valid"] == false);
  CHECK(names(reread, "lost-causally-later-write"));
}
