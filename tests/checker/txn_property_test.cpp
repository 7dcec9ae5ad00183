// Property tests of the transactional checker against simulated databases and a brute-force
// serializability oracle. Every failure prints its seed.
#include <catch2/catch.hpp>

#include "graphviz_lsan_suppressions.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "faultline/checker/txn/check_transactional.h"
#include "txn_simulation.h"

using namespace faultline;
using namespace faultline::checker::txn;
using testing::SimOptions;
using testing::SimStore;
using testing::TxnSimulator;

namespace {

std::set<std::string> anomaly_types(const CheckResult& r) {
  std::set<std::string> s;
  for (const auto& t : r.witness["anomaly_types"]) s.insert(t.get<std::string>());
  return s;
}

// Is there a serial order of the committed txns that explains every read?
bool brute_force_serializable(const History& h, bool list_append) {
  std::vector<size_t> ok;
  for (size_t i = 0; i < h.size(); ++i)
    if (h[i].type == OpType::Ok) ok.push_back(i);
  std::vector<size_t> perm(ok.size());
  std::iota(perm.begin(), perm.end(), 0);
  do {
    std::map<Json, std::vector<Json>> st;
    bool good = true;
    for (size_t p : perm) {
      for (const auto& m : h[ok[p]].value) {
        auto& cur = st[m[1]];
        if (m[0] == "r") {
          Json expect;
          if (list_append) {
            expect = cur;
          } else {
            expect = cur.empty() ? Json(nullptr) : cur.back();
          }
          if (m[2] != expect && !(list_append && m[2].is_null() && cur.empty())) {
            good = false;
            break;
          }
        } else if (list_append) {
          cur.push_back(m[2]);
        } else {
          cur.assign(1, m[2]);
        }
      }
      if (!good) break;
    }
    if (good) return true;
  } while (std::next_permutation(perm.begin(), perm.end()));
  return false;
}

}  // namespace

TEST_CASE("random serial histories have no anomalies", "[txn][property]") {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    SimOptions o;
    o.store = SimStore::Serial;
    o.list_append = seed % 2 == 0;
    o.txns = 80;
    o.fail_rate = 0.1;
    o.info_rate = 0.1;
    const History h = TxnSimulator(o, seed).run();
    TxnCheckOptions co;
    co.model = o.list_append ? TxnModel::ListAppend : TxnModel::RwRegister;
    co.consistency = "strict-serializable";
    co.sequential_keys = seed % 4 == 1;
    co.linearizable_keys = seed % 8 == 3;
    const CheckResult r = check_transactional(h, co);
    INFO("seed " << seed << " model " << (o.list_append ? "list-append" : "rw-register") << "\n"
                 << r.to_json().dump(1));
    REQUIRE(anomaly_types(r).empty());
    REQUIRE(r.verdict == Verdict::Valid);
    // The witness order respects real time: a txn never precedes one that completed before
    // it was invoked.
    const Json& order = r.witness["serial_order"];
    std::map<int64_t, size_t> rank;
    for (size_t i = 0; i < order.size(); ++i) rank[order[i].get<int64_t>()] = i;
    for (size_t i = 0; i < h.size(); ++i) {
      const int64_t c = h.completion(i);
      if (h[i].type != OpType::Invoke || c < 0 || h[static_cast<size_t>(c)].type != OpType::Ok)
        continue;
      for (size_t j = static_cast<size_t>(c) + 1; j < h.size(); ++j) {
        if (h[j].type != OpType::Invoke || !rank.count(h[j].index)) continue;
        REQUIRE(rank.at(h[i].index) < rank.at(h[j].index));
      }
    }
  }
}

TEST_CASE("simulated snapshot isolation: G2-item possible, never G-single or G1", "[txn][property]") {
  const std::set<std::string> allowed = {"G2-item", "G2-item-process", "G2-item-realtime"};
  int g2_seen = 0;
  for (uint64_t seed = 1; seed <= 80; ++seed) {
    SimOptions o;
    o.store = SimStore::SnapshotIsolation;
    o.list_append = seed % 2 == 0;
    o.txns = 60;
    o.keys = 3;
    o.processes = 5;
    const History h = TxnSimulator(o, seed).run();
    TxnCheckOptions co;
    co.model = o.list_append ? TxnModel::ListAppend : TxnModel::RwRegister;
    co.consistency = "snapshot-isolation";
    const CheckResult r = check_transactional(h, co);
    INFO("seed " << seed << "\n" << r.to_json().dump(1));
    for (const auto& t : anomaly_types(r)) {
      INFO("anomaly " << t);
      REQUIRE(allowed.count(t) == 1);
    }
    REQUIRE(r.verdict == Verdict::Valid);
    if (anomaly_types(r).count("G2-item")) ++g2_seen;
  }
  CHECK(g2_seen > 0);
}

TEST_CASE("cross-check against brute-force serializability", "[txn][property]") {
  int agree_invalid = 0, agree_valid = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    SimOptions o;
    o.store = SimStore::RandomSnapshot;
    o.list_append = seed % 3 != 0;
    o.txns = 5;
    o.keys = 2;
    o.max_mops = 3;
    o.processes = 5;
    TxnSimulator sim(o, seed);
    History h = sim.run();
    sim.add_final_read(h);
    TxnCheckOptions co;
    co.model = o.list_append ? TxnModel::ListAppend : TxnModel::RwRegister;
    co.consistency = "serializable";
    co.process_edges = false;
    co.realtime_edges = false;
    co.render_svg = false;
    const CheckResult r = check_transactional(h, co);
    const bool oracle = brute_force_serializable(h, o.list_append);
    std::string hist;
    for (const auto& op : h.ops()) hist += op_to_json(op).dump() + "\n";
    INFO("seed " << seed << " oracle " << oracle << "\n" << hist << r.to_json().dump(1));
    // Sound: an anomaly means no serial order exists.
    if (r.verdict == Verdict::Invalid) REQUIRE_FALSE(oracle);
    // Complete for list-append with a final read of every key (all version orders known).
    if (o.list_append) REQUIRE((r.verdict == Verdict::Invalid) == !oracle);
    if (oracle) ++agree_valid; else if (r.verdict == Verdict::Invalid) ++agree_invalid;
  }
  CHECK(agree_valid > 20);
  CHECK(agree_invalid > 20);
}

TEST_CASE("cross-check without final reads: the unobserved-append rules stay sound",
          "[txn][property]") {
  // No final read, so some committed appends are never observed: the single-append and
  // unobserved-append rules (list_append_inference.cpp) order them. Every anomaly they help
  // find must be real (no serial order exists), and they must find some.
  int invalid = 0, by_rule = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    SimOptions o;
    o.store = SimStore::RandomSnapshot;
    o.list_append = true;
    o.txns = 5;
    o.keys = 2;
    o.max_mops = 3;
    o.processes = 5;
    const History h = TxnSimulator(o, seed).run();
    TxnCheckOptions co;
    co.consistency = "serializable";
    co.process_edges = false;
    co.realtime_edges = false;
    co.render_svg = false;
    const CheckResult r = check_transactional(h, co);
    std::string hist;
    for (const auto& op : h.ops()) hist += op_to_json(op).dump() + "\n";
    INFO("seed " << seed << "\n" << hist << r.to_json().dump(1));
    if (r.verdict != Verdict::Invalid) continue;
    REQUIRE_FALSE(brute_force_serializable(h, true));
    ++invalid;
    if (r.to_json().dump().find("no read shows") != std::string::npos) ++by_rule;
  }
  CHECK(invalid > 20);
  CHECK(by_rule > 5);
}
