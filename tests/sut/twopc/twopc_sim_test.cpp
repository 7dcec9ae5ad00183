// TwoPcCore under the seeded simulation (twopc_sim.h): atomicity (no txn committed on one shard
// and aborted on another), acknowledged commits applied everywhere, and no participant left
// blocked once every coordinator is back, over TWOPC_SIM_SEEDS seeds (default 50) in the
// correct build; each atomicity-breaking bug knob shows that very violation under the same seeds.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "twopc_sim.h"

using namespace faultline::twopc;
using namespace faultline::twopc::sim;

namespace {

int seeds() {
  const char* s = std::getenv("TWOPC_SIM_SEEDS");
  return s ? std::atoi(s) : 50;
}

// The seeds of the correct build, and how many of them break atomicity with `bugs`.
struct BugRun {
  int violating_seeds = 0;
  std::string example;
};

BugRun run_with(const Bugs& bugs) {
  BugRun out;
  for (int seed = 1; seed <= seeds(); ++seed) {
    SimOptions o;
    o.seed = seed;
    o.bugs = bugs;
    SimResult r = run_sim(o);
    REQUIRE(r.txns > 100);
    REQUIRE(r.crashes > 0);
    if (!r.atomicity_violations.empty()) {
      ++out.violating_seeds;
      if (out.example.empty())
        out.example = "seed " + std::to_string(seed) + ": " + r.atomicity_violations[0];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("2pc sim: the correct build keeps atomicity under drops, delays and crashes") {
  int committed = 0, crashes = 0;
  for (int seed = 1; seed <= seeds(); ++seed) {
    SimOptions o;
    o.seed = seed;
    SimResult r = run_sim(o);
    INFO("seed " << seed << ": txns " << r.txns << ", acked commits " << r.acked_commits
                 << ", crashes " << r.crashes);
    REQUIRE(r.txns > 100);
    CHECK(r.atomicity_violations.empty());
    if (!r.atomicity_violations.empty()) FAIL_CHECK(r.atomicity_violations[0]);
    CHECK(r.acked_not_applied.empty());
    CHECK(r.blocked_at_end == 0);
    committed += r.acked_commits;
    crashes += r.crashes;
  }
  // The runs did real work under real faults: most seeds commit dozens of txns and crash nodes.
  CHECK(committed > 20 * seeds());
  CHECK(crashes > 3 * seeds());
}

TEST_CASE("2pc sim: --bug no-decision-log commits on some shards and aborts on others") {
  Bugs bugs;
  bugs.no_decision_log = true;
  BugRun r = run_with(bugs);
  INFO(r.example);
  CHECK(r.violating_seeds > 0);
  WARN("no-decision-log broke atomicity in " << r.violating_seeds << " of " << seeds()
                                              << " seeds, e.g. " << r.example);
}

TEST_CASE("2pc sim: --bug presume-commit commits on some shards and aborts on others") {
  Bugs bugs;
  bugs.presume_commit = true;
  BugRun r = run_with(bugs);
  INFO(r.example);
  CHECK(r.violating_seeds > 0);
  WARN("presume-commit broke atomicity in " << r.violating_seeds << " of " << seeds()
                                             << " seeds, e.g. " << r.example);
}

TEST_CASE("2pc core: shards, single-key ops and a cas mismatch in a txn") {
  Config c;
  c.id = "n1";
  c.members = {"n1"};
  c.nonce = "0";
  TwoPcCore core(c, {});
  // One node: every message goes to itself; loop outputs back until quiet.
  std::vector<ClientReply> replies;
  auto drive = [&](Outputs out) {
    for (int guard = 0; guard < 50 && !(out.send.empty() && out.replies.empty()); ++guard) {
      for (auto& r : out.replies) replies.push_back(r);
      Outputs next;
      for (auto& e : out.send) next.merge(core.on_message(e.msg));
      out = std::move(next);
    }
  };
  drive(core.on_client(1, {{"id", 1}, {"op", "write"}, {"key", "x"}, {"value", 5}}));
  drive(core.on_client(2, {{"id", 2}, {"op", "txn"},
                           {"ops", {{{"op", "append"}, {"key", "l"}, {"value", 1}},
                                    {{"op", "cas"}, {"key", "x"}, {"expected", 4}, {"value", 6}}}}}));
  drive(core.on_client(3, {{"id", 3}, {"op", "read"}, {"key", "x"}}));
  drive(core.on_client(4, {{"id", 4}, {"op", "read"}, {"key", "l"}}));
  REQUIRE(replies.size() == 4);
  CHECK(replies[0].ok);
  CHECK_FALSE(replies[1].ok);
  CHECK(replies[1].error == faultline::sut::ErrorCode::CasMismatch);
  CHECK(replies[2].value == 5);
  CHECK(replies[3].value.is_null());  // the failed txn's append was not applied
  CHECK(shard_of("x", 3) < 3);
}
