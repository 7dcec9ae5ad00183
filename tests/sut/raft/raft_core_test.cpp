// Targeted scenarios of the pure Raft core (the simulation covers the random ones).
#include <catch2/catch.hpp>

#include <algorithm>

#include "faultline/raft/raft_core.h"

using namespace faultline::raft;

namespace {

RaftConfig config(const std::string& id, std::vector<NodeId> members = {"n1", "n2", "n3"}) {
  RaftConfig c;
  c.id = id;
  c.members = std::move(members);
  c.election_ticks = 10;
  c.heartbeat_ticks = 2;
  return c;
}

PersistentState state(uint64_t term, std::vector<uint64_t> entry_terms, NodeId vote = "") {
  PersistentState s;
  s.hard = {term, vote};
  for (std::size_t i = 0; i < entry_terms.size(); ++i)
    s.log.push_back(Entry{entry_terms[i], i + 1, "c" + std::to_string(i + 1)});
  return s;
}

void elapse_election(RaftCore& r) {
  for (int i = 0; i < 20; ++i) r.tick();
}

std::vector<Message> of_type(const Ready& rd, MsgType t) {
  std::vector<Message> out;
  std::copy_if(rd.messages.begin(), rd.messages.end(), std::back_inserter(out),
               [&](const Message& m) { return m.type == t; });
  return out;
}

}  // namespace

TEST_CASE("raft core: a single node elects itself and commits alone", "[raft][core]") {
  RaftCore r(config("n1", {"n1"}), {});
  elapse_election(r);
  REQUIRE(r.role() == Role::Leader);
  auto idx = r.propose("x");
  REQUIRE(idx == 2u);  // after the term's no-op
  Ready rd = r.ready();
  REQUIRE(rd.hard_state);
  CHECK(rd.hard_state->vote == "n1");
  CHECK(rd.entries.size() == 2);
  REQUIRE(rd.committed.size() == 2);
  CHECK(rd.committed[1].command == "x");
}

TEST_CASE("raft core: votes need an up-to-date log, one per term, persisted first",
          "[raft][core]") {
  RaftCore r(config("n1"), state(2, {1, 2}));
  Message stale_log{.type = MsgType::Vote, .from = "n2", .to = "n1", .term = 3, .log_index = 5,
                    .log_term = 1};
  r.step(stale_log);
  Ready rd = r.ready();
  REQUIRE(of_type(rd, MsgType::VoteResp).size() == 1);
  CHECK(of_type(rd, MsgType::VoteResp)[0].reject);
  CHECK(r.term() == 3);  // adopted the term, but no vote

  Message good{.type = MsgType::Vote, .from = "n3", .to = "n1", .term = 3, .log_index = 2,
               .log_term = 2};
  r.step(good);
  rd = r.ready();
  REQUIRE(rd.hard_state);
  CHECK(rd.hard_state->vote == "n3");
  CHECK_FALSE(of_type(rd, MsgType::VoteResp)[0].reject);

  Message other{.type = MsgType::Vote, .from = "n2", .to = "n1", .term = 3, .log_index = 9,
                .log_term = 3};
  r.step(other);
  rd = r.ready();
  CHECK(of_type(rd, MsgType::VoteResp)[0].reject);  // already voted in term 3
}

TEST_CASE("raft core: follower truncates a conflicting suffix and reports it to persist",
          "[raft][core]") {
  RaftCore r(config("n2"), state(2, {1, 1, 2}));
  Message app{.type = MsgType::App, .from = "n1", .to = "n2", .term = 3, .log_index = 1,
              .log_term = 1, .entries = {Entry{3, 2, "new"}}, .commit = 2};
  r.step(app);
  Ready rd = r.ready();
  REQUIRE(rd.entries.size() == 1);
  CHECK(rd.entries[0] == Entry{3, 2, "new"});
  CHECK(r.last_index() == 2);
  CHECK(r.commit_index() == 2);
  auto resp = of_type(rd, MsgType::AppResp);
  REQUIRE(resp.size() == 1);
  CHECK_FALSE(resp[0].reject);
  CHECK(resp[0].log_index == 2);
  CHECK(r.leader() == "n1");
}

TEST_CASE("raft core: consistency check rejects with a backup hint; stale terms are refused",
          "[raft][core]") {
  RaftCore r(config("n2"), state(4, {1, 2, 2, 2}));
  Message app{.type = MsgType::App, .from = "n1", .to = "n2", .term = 5, .log_index = 4,
              .log_term = 3};
  r.step(app);
  auto resp = of_type(r.ready(), MsgType::AppResp);
  REQUIRE(resp.size() == 1);
  CHECK(resp[0].reject);
  CHECK(resp[0].hint == 1);  // skip the whole conflicting term 2

  Message old{.type = MsgType::App, .from = "n3", .to = "n2", .term = 4, .log_index = 0};
  r.step(old);
  resp = of_type(r.ready(), MsgType::AppResp);
  REQUIRE(resp.size() == 1);
  CHECK(resp[0].reject);
  CHECK(resp[0].term == 5);
  CHECK(r.leader() == "n1");
}

TEST_CASE("raft core: a leader commits only current-term entries by counting (Figure 8)",
          "[raft][core]") {
  RaftCore r(config("n1"), state(2, {1, 2}));
  elapse_election(r);
  REQUIRE(r.role() == Role::Candidate);
  r.step(Message{.type = MsgType::VoteResp, .from = "n2", .to = "n1", .term = 3});
  REQUIRE(r.role() == Role::Leader);
  REQUIRE(r.last_index() == 3);  // the no-op of term 3
  r.ready();
  // n2 acknowledges index 2 (a term-2 entry): a majority has it, but it must not commit yet.
  r.step(Message{.type = MsgType::AppResp, .from = "n2", .to = "n1", .term = 3, .log_index = 2});
  CHECK(r.commit_index() == 0);
  r.step(Message{.type = MsgType::AppResp, .from = "n2", .to = "n1", .term = 3, .log_index = 3});
  CHECK(r.commit_index() == 3);
  CHECK(r.ready().committed.size() == 3);
}

TEST_CASE("raft core: ReadIndex waits for a heartbeat round acknowledged by a majority",
          "[raft][core]") {
  RaftCore r(config("n1"), {});
  elapse_election(r);
  r.step(Message{.type = MsgType::VoteResp, .from = "n2", .to = "n1", .term = 1});
  REQUIRE(r.role() == Role::Leader);
  r.ready();
  r.step(Message{.type = MsgType::AppResp, .from = "n2", .to = "n1", .term = 1, .log_index = 1});
  REQUIRE(r.commit_index() == 1);
  r.ready();
  REQUIRE(r.read_index(42));
  Ready rd = r.ready();
  CHECK(rd.reads.empty());
  auto apps = of_type(rd, MsgType::App);
  REQUIRE(apps.size() == 2);
  uint64_t ctx = apps[0].read_ctx;
  // An ack carrying an older round does not confirm.
  r.step(Message{.type = MsgType::AppResp, .from = "n3", .to = "n1", .term = 1, .log_index = 1,
                 .read_ctx = ctx - 1});
  CHECK(r.ready().reads.empty());
  r.step(Message{.type = MsgType::AppResp, .from = "n3", .to = "n1", .term = 1, .log_index = 1,
                 .read_ctx = ctx});
  rd = r.ready();
  REQUIRE(rd.reads.size() == 1);
  CHECK(rd.reads[0].request_id == 42);
  CHECK(rd.reads[0].index == 1);
  // Losing leadership drops pending reads (they are answered not-leader).
  REQUIRE(r.read_index(43));
  r.ready();
  r.step(Message{.type = MsgType::App, .from = "n2", .to = "n1", .term = 2, .log_index = 1,
                 .log_term = 1});
  rd = r.ready();
  CHECK(rd.dropped_reads == std::vector<uint64_t>{43});
  CHECK_FALSE(r.read_index(44));
}

TEST_CASE("raft core: forget-vote knob restarts from the last log term without a vote",
          "[raft][core][bug]") {
  RaftConfig c = config("n1");
  c.bugs.forget_vote = true;
  RaftCore r(c, state(7, {1, 3}, "n2"));
  CHECK(r.term() == 3);
  CHECK(r.vote().empty());
  elapse_election(r);
  CHECK_FALSE(r.ready().hard_state);  // never persisted
}

TEST_CASE("raft core: async_persist counts the leader's own copy only once it is durable",
          "[raft][core]") {
  RaftConfig c = config("n1");
  c.async_persist = true;
  RaftCore r(c, {});
  elapse_election(r);
  r.step(Message{.type = MsgType::VoteResp, .from = "n2", .to = "n1", .term = 1});
  REQUIRE(r.role() == Role::Leader);
  r.ready();
  CHECK(r.durable_index() == 0);
  // n2 has the no-op, the leader's own copy is not yet durable: one durable copy of three.
  r.step(Message{.type = MsgType::AppResp, .from = "n2", .to = "n1", .term = 1, .log_index = 1});
  CHECK(r.commit_index() == 0);
  r.persisted(1, 1);
  CHECK(r.durable_index() == 1);
  CHECK(r.commit_index() == 1);
  // Both followers durable is a majority without the leader.
  auto idx = r.propose("x");
  REQUIRE(idx == 2u);
  r.ready();
  r.step(Message{.type = MsgType::AppResp, .from = "n2", .to = "n1", .term = 1, .log_index = 2});
  CHECK(r.commit_index() == 1);
  r.step(Message{.type = MsgType::AppResp, .from = "n3", .to = "n1", .term = 1, .log_index = 2});
  CHECK(r.commit_index() == 2);
  CHECK(r.durable_index() == 1);
}

TEST_CASE("raft core: async_persist single node commits when persisted; stale reports ignored",
          "[raft][core]") {
  RaftConfig c = config("n1", {"n1"});
  c.async_persist = true;
  RaftCore r(c, {});
  elapse_election(r);
  REQUIRE(r.role() == Role::Leader);
  REQUIRE(r.propose("x") == 2u);
  CHECK(r.ready().committed.empty());
  r.persisted(2, 0);  // wrong term: not this log's entry
  CHECK(r.commit_index() == 0);
  r.persisted(2, 1);
  CHECK(r.commit_index() == 2);
  CHECK(r.ready().committed.size() == 2);

  // A follower's truncation lowers what is durable; reports for replaced entries are ignored.
  RaftConfig f = config("n2");
  f.async_persist = true;
  RaftCore g(f, state(2, {1, 1, 2}));
  CHECK(g.durable_index() == 3);
  g.step(Message{.type = MsgType::App, .from = "n1", .to = "n2", .term = 3, .log_index = 1,
                 .log_term = 1, .entries = {Entry{3, 2, "new"}}, .commit = 1});
  CHECK(g.durable_index() == 1);
  g.persisted(3, 2);
  g.persisted(2, 1);
  CHECK(g.durable_index() == 1);
  g.persisted(2, 3);
  CHECK(g.durable_index() == 2);
}
