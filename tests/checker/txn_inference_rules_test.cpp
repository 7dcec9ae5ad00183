// Elle's inference rules for appends and writes no read observed (list_append.clj's
// values-from-single-appends and previously-appended-element; rw_register.clj's initial
// state). Each history below holds its anomaly only through its rule: the cycle's steps
// include an edge that rule inferred (the "no read shows" explanation), and the same history
// with the unobserved txn indeterminate or aborted (so the rule does not apply) is valid.
#include <catch2/catch.hpp>

#include "graphviz_lsan_suppressions.h"

#include <set>
#include <string>

#include "faultline/checker/txn/check_transactional.h"
#include "txn_test_support.h"

using namespace faultline;
using namespace faultline::checker::txn;
using testing::concurrent_txns;
using testing::TxnSpec;

namespace {

const OpType ok = OpType::Ok;
const OpType info = OpType::Info;
const OpType fail = OpType::Fail;

Json ap(const char* k, int v) { return Json::array({"append", k, v}); }
Json rd(const char* k, std::vector<int> l) { return Json::array({"r", k, l}); }
Json w(const char* k, int v) { return Json::array({"w", k, v}); }
Json rr(const char* k, Json v) { return Json::array({"r", k, v}); }

CheckResult check(const std::vector<TxnSpec>& txns, TxnModel model,
                  const std::string& consistency = "serializable") {
  TxnCheckOptions o;
  o.model = model;
  o.consistency = consistency;
  o.render_svg = false;
  const CheckResult r = check_transactional(concurrent_txns(txns), o);
  UNSCOPED_INFO(r.to_json().dump(1));
  return r;
}

std::set<std::string> types(const CheckResult& r) {
  std::set<std::string> s;
  for (const auto& t : r.witness["anomaly_types"]) s.insert(t.get<std::string>());
  return s;
}

// The steps of the first reported cycle of `type` (empty if none).
std::string cycle_steps(const CheckResult& r, const std::string& type) {
  for (const auto& a : r.anomalies)
    if (a["type"] == type) return a.value("steps", Json::array()).dump();
  return "";
}

bool needs_unobserved_rule(const CheckResult& r, const std::string& type) {
  return cycle_steps(r, type).find("no read shows") != std::string::npos;
}

// The history with txn i's status replaced.
std::vector<TxnSpec> with_status(std::vector<TxnSpec> txns, size_t i, OpType t) {
  txns[i].type = t;
  return txns;
}

}  // namespace

TEST_CASE("single append: write skew over keys no read shows appended", "[txn][inference]") {
  // Each key is appended once and every read is empty: the versions are [] then [x].
  const std::vector<TxnSpec> h = {{0, ok, {rd("x", {}), ap("y", 1)}},
                                  {1, ok, {rd("y", {}), ap("x", 1)}}};
  const CheckResult r = check(h, TxnModel::ListAppend);
  CHECK(r.stats["txns"] == 2);
  CHECK(types(r) == std::set<std::string>{"G2-item"});
  CHECK(r.verdict == Verdict::Invalid);
  CHECK(needs_unobserved_rule(r, "G2-item"));
  CHECK(check(with_status(h, 1, info), TxnModel::ListAppend).verdict == Verdict::Valid);
}

TEST_CASE("single append: read skew (G-single)", "[txn][inference]") {
  // T3 saw T2's y but not x, which T1 appended before T2 read T1's z.
  const std::vector<TxnSpec> h = {{0, ok, {ap("x", 1), ap("z", 1)}},
                                  {1, ok, {rd("z", {1}), ap("y", 1)}},
                                  {2, ok, {rd("x", {}), rd("y", {1})}}};
  const CheckResult r = check(h, TxnModel::ListAppend);
  CHECK(types(r) == std::set<std::string>{"G-single"});
  CHECK(needs_unobserved_rule(r, "G-single"));
  // A second (aborted) append leaves x with one append; a second committed one would not.
  std::vector<TxnSpec> aborted = h;
  aborted.push_back({3, fail, {ap("x", 2)}});
  CHECK(types(check(aborted, TxnModel::ListAppend)) == std::set<std::string>{"G-single"});
  // An indeterminate T0 whose append of z was read (by T1) committed: the same cycle, as in
  // Elle. One nobody observed may never have happened: no edge, valid.
  CHECK(types(check(with_status(h, 0, info), TxnModel::ListAppend)) ==
        std::set<std::string>{"G-single"});
  std::vector<TxnSpec> unseen = with_status(h, 0, info);
  unseen[1] = {1, ok, {rd("z", {}), ap("y", 1)}};
  CHECK(check(unseen, TxnModel::ListAppend).verdict == Verdict::Valid);
}

TEST_CASE("unobserved append after the highest element: G0", "[txn][inference]") {
  // Reads show x=[1] (T0's) and y=[1] (T1's); T1's x 2 and T0's y 2 are never read, so each
  // came after the other's append: a write cycle, proscribed even by read-uncommitted.
  const std::vector<TxnSpec> h = {{0, ok, {ap("x", 1), ap("y", 2)}},
                                  {1, ok, {ap("x", 2), ap("y", 1)}},
                                  {2, ok, {rd("x", {1})}},
                                  {3, ok, {rd("y", {1})}}};
  const CheckResult r = check(h, TxnModel::ListAppend, "read-uncommitted");
  CHECK(types(r).count("G0") == 1);
  CHECK(r.verdict == Verdict::Invalid);
  CHECK(needs_unobserved_rule(r, "G0"));
  // T1 indeterminate, but T3 read its y: it committed, so its x 2 happened too (as in Elle).
  CHECK(types(check(with_status(h, 1, info), TxnModel::ListAppend, "read-uncommitted"))
            .count("G0") == 1);
}

TEST_CASE("unobserved append after the highest element: G-single", "[txn][inference]") {
  // T2 read x=[1] and T1's y; T1 appended x 2, which no read shows: it came after 1.
  const std::vector<TxnSpec> h = {{0, ok, {ap("x", 1)}},
                                  {1, ok, {ap("x", 2), ap("y", 1)}},
                                  {2, ok, {rd("x", {1}), rd("y", {1})}}};
  const CheckResult r = check(h, TxnModel::ListAppend);
  CHECK(types(r) == std::set<std::string>{"G-single"});
  CHECK(needs_unobserved_rule(r, "G-single"));
  const CheckResult rc = check(h, TxnModel::ListAppend, "read-committed");
  CHECK(rc.verdict == Verdict::Valid);  // G-single is allowed by read committed
  // T1 indeterminate, but T2 read its y: it committed, so its x 2 happened too (as in Elle);
  // with y unread it may never have happened: no edge, valid.
  CHECK(check(with_status(h, 1, info), TxnModel::ListAppend).verdict == Verdict::Invalid);
  std::vector<TxnSpec> unseen = with_status(h, 1, info);
  unseen[2] = {2, ok, {rd("x", {1}), rd("y", {})}};
  CHECK(check(unseen, TxnModel::ListAppend).verdict == Verdict::Valid);
  // The highest observed element's writer may itself be indeterminate: its append was seen.
  CHECK(check(with_status(h, 0, info), TxnModel::ListAppend).verdict == Verdict::Invalid);
}

TEST_CASE("unobserved append after the highest element: G2-item", "[txn][inference]") {
  // Write skew on keys with two appends each (so not the single-append rule).
  const std::vector<TxnSpec> h = {{0, ok, {ap("x", 1), ap("y", 1)}},
                                  {1, ok, {rd("x", {1}), ap("y", 2)}},
                                  {2, ok, {rd("y", {1}), ap("x", 2)}}};
  const CheckResult r = check(h, TxnModel::ListAppend);
  CHECK(types(r) == std::set<std::string>{"G2-item"});
  CHECK(needs_unobserved_rule(r, "G2-item"));
  CHECK(check(with_status(h, 2, info), TxnModel::ListAppend).verdict == Verdict::Valid);
}

TEST_CASE("unobserved appends after an empty read when nothing was observed", "[txn][inference]") {
  // Each key is appended twice and no read shows any element: every empty reader precedes
  // every committed append.
  const std::vector<TxnSpec> h = {{0, ok, {rd("x", {}), ap("y", 1)}},
                                  {1, ok, {rd("y", {}), ap("x", 1)}},
                                  {2, ok, {ap("x", 2), ap("y", 2)}}};
  const CheckResult r = check(h, TxnModel::ListAppend);
  CHECK(types(r) == std::set<std::string>{"G2-item"});
  CHECK(needs_unobserved_rule(r, "G2-item"));
  CHECK(check(with_status(h, 1, fail), TxnModel::ListAppend).verdict == Verdict::Valid);
}

TEST_CASE("rw-register: a read of the initial state precedes every write of the key",
          "[txn][inference]") {
  // Write skew from nil reads: nil precedes every version of x and y.
  const std::vector<TxnSpec> h = {{0, ok, {rr("x", nullptr), w("y", 1)}},
                                  {1, ok, {rr("y", nullptr), w("x", 1)}}};
  const CheckResult r = check(h, TxnModel::RwRegister);
  CHECK(types(r) == std::set<std::string>{"G2-item"});
  CHECK(cycle_steps(r, "G2-item").find("the initial state") != std::string::npos);
  CHECK(check(with_status(h, 1, fail), TxnModel::RwRegister).verdict == Verdict::Valid);
}

TEST_CASE("rw-register: a key written once has versions nil then that write",
          "[txn][inference]") {
  // x is written once, by T1, and never read as 1: T3's nil read still precedes T1.
  const std::vector<TxnSpec> h = {{0, ok, {w("x", 1), w("z", 1)}},
                                  {1, ok, {rr("z", 1), w("y", 1)}},
                                  {2, ok, {rr("x", nullptr), rr("y", 1)}}};
  const CheckResult r = check(h, TxnModel::RwRegister);
  CHECK(types(r) == std::set<std::string>{"G-single"});
  CHECK(cycle_steps(r, "G-single").find("the initial state") != std::string::npos);
  std::vector<TxnSpec> saw = h;
  saw[2].value[0] = rr("x", 1);
  CHECK(check(saw, TxnModel::RwRegister).verdict == Verdict::Valid);
}
