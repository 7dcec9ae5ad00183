// Unit tests of PaxosCore driven by hand (no network model): phase 1 / phase 2 message flow,
// persistence-before-reply, recovery from records, re-proposal of accepted values with no-op
// gap filling, stable leaders skipping phase 1, and what each bug knob changes.
#include <catch2/catch.hpp>

#include <deque>

#include "faultline/paxos/paxos_core.h"

using namespace faultline::paxos;

namespace {

Config config(NodeId id, std::size_t n, Bugs bugs = {}) {
  Config c;
  c.id = id;
  for (NodeId i = 0; i < n; ++i) c.members.push_back(i);
  c.seed = 42;
  c.bugs = bugs;
  return c;
}

template <class M>
std::vector<M> sent(const Outputs& out) {
  std::vector<M> v;
  for (const Envelope& e : out.send) {
    if (const auto* m = std::get_if<M>(&e.message)) v.push_back(*m);
  }
  return v;
}

// A reliable, in-order network over cores; records everything applied per node.
struct Cluster {
  std::vector<PaxosCore> cores;
  std::vector<std::vector<PersistRecord>> disks;
  std::vector<std::vector<ChosenEntry>> applied;
  std::deque<Envelope> wire;
  std::vector<Outputs> last;

  explicit Cluster(std::size_t n) : disks(n), applied(n), last(n) {
    for (NodeId i = 0; i < n; ++i) cores.emplace_back(config(i, n));
  }
  void take(NodeId id, Outputs out) {
    for (auto& r : out.persist) disks[id].push_back(r);
    for (auto& e : out.send) wire.push_back(e);
    for (auto& a : out.apply) applied[id].push_back(a);
    last[id] = std::move(out);
  }
  void step(NodeId id, const Input& in) { take(id, cores[id].step(in)); }
  void deliver_all() {
    for (int guard = 0; !wire.empty(); ++guard) {
      REQUIRE(guard < 100000);
      Envelope e = std::move(wire.front());
      wire.pop_front();
      step(e.to, Receive{e.from, std::move(e.message)});
    }
  }
  // Ticks only `id` until it leads (others stay quiet because their timers are not ticked).
  void elect(NodeId id) {
    for (int i = 0; i < 100 && !cores[id].is_leader(); ++i) {
      step(id, Tick{});
      deliver_all();
    }
    REQUIRE(cores[id].is_leader());
  }
};

Value cmd(const std::string& id) { return Value{id, "{\"op\":\"write\"}"}; }

}  // namespace

TEST_CASE("paxos core: elect, propose, choose, apply in order", "[paxos]") {
  Cluster c(3);
  c.elect(0);
  CHECK(c.cores[0].ballot().node == 0);
  CHECK(c.cores[0].ballot().round >= 1);
  for (int i = 0; i < 5; ++i) {
    c.step(0, Propose{cmd("v" + std::to_string(i))});
    // Stable leader: phase 2 only, no new Prepare.
    CHECK(sent<Prepare>(c.last[0]).empty());
    CHECK(sent<Accept>(c.last[0]).size() == 2);
    c.deliver_all();
  }
  REQUIRE(c.applied[0].size() == 5);
  for (Slot s = 0; s < 5; ++s) {
    CHECK(c.applied[0][s].slot == s);
    CHECK(c.applied[0][s].value.id == "v" + std::to_string(s));
  }
  // Followers learn through the commit index of the next heartbeat.
  c.step(0, Tick{});
  c.step(0, Tick{});
  c.deliver_all();
  CHECK(c.applied[1].size() == 5);
  CHECK(c.applied[2].size() == 5);
  CHECK(c.cores[1].leader_hint() == std::optional<NodeId>(0));
}

TEST_CASE("paxos core: followers reject proposals with a leader hint", "[paxos]") {
  Cluster c(3);
  c.elect(2);
  c.step(0, Propose{cmd("x")});
  REQUIRE(c.last[0].rejected.size() == 1);
  CHECK(c.last[0].rejected[0].reason == RejectReason::NotLeader);
  CHECK(c.last[0].rejected[0].leader_hint == std::optional<NodeId>(2));
}

TEST_CASE("paxos core: acceptor persists before every reply", "[paxos]") {
  PaxosCore a(config(1, 3));
  Outputs out = a.step(Receive{0, Prepare{Ballot{3, 0}, 0}});
  REQUIRE(sent<Promise>(out).size() == 1);
  REQUIRE(out.persist.size() == 1);
  CHECK(std::get<PromiseRecord>(out.persist[0]).ballot == Ballot{3, 0});
  out = a.step(Receive{0, Accept{Ballot{3, 0}, 0, cmd("v"), 0}});
  REQUIRE(sent<Accepted>(out).size() == 1);
  REQUIRE(out.persist.size() == 1);
  CHECK(std::get<AcceptRecord>(out.persist[0]).value == cmd("v"));
  // Lower ballots are refused with the promised ballot.
  out = a.step(Receive{2, Accept{Ballot{2, 2}, 1, cmd("w"), 0}});
  REQUIRE(sent<Nack>(out).size() == 1);
  CHECK(sent<Nack>(out)[0].promised == Ballot{3, 0});
  CHECK(sent<Accepted>(out).empty());
  out = a.step(Receive{2, Prepare{Ballot{3, 0}, 0}});  // equal ballot, other proposer
  CHECK(sent<Nack>(out).size() == 1);
}

TEST_CASE("paxos core: recovery restores promise, accepted and chosen state", "[paxos]") {
  std::vector<PersistRecord> disk{PromiseRecord{Ballot{4, 2}},
                                  AcceptRecord{0, Ballot{4, 2}, cmd("a")},
                                  ChosenRecord{0, cmd("a")},
                                  AcceptRecord{1, Ballot{4, 2}, cmd("b")}};
  PaxosCore a(config(1, 3), disk);
  Outputs start = a.start();
  REQUIRE(start.apply.size() == 1);
  CHECK(start.apply[0].value == cmd("a"));
  CHECK(a.first_unchosen() == 1);
  CHECK(a.promised() == Ballot{4, 2});
  Outputs out = a.step(Receive{0, Prepare{Ballot{3, 0}, 0}});
  REQUIRE(sent<Nack>(out).size() == 1);
  out = a.step(Receive{0, Prepare{Ballot{5, 0}, 0}});
  auto promises = sent<Promise>(out);
  REQUIRE(promises.size() == 1);
  REQUIRE(promises[0].entries.size() == 2);
  CHECK(promises[0].entries[0].chosen);
  CHECK(promises[0].entries[1].ballot == Ballot{4, 2});
  CHECK(promises[0].entries[1].value == cmd("b"));
  // A new proposer's ballot rises above every recovered round.
  PaxosCore b(config(1, 3), disk);
  Outputs o;
  for (int i = 0; i < 100 && sent<Prepare>(o).empty(); ++i) o = b.step(Tick{});
  REQUIRE(!sent<Prepare>(o).empty());
  CHECK(sent<Prepare>(o)[0].ballot == Ballot{5, 1});
}

TEST_CASE("paxos core: new leader re-proposes highest-ballot values and fills gaps", "[paxos]") {
  PaxosCore leader(config(0, 3));
  Outputs o;
  for (int i = 0; i < 100 && sent<Prepare>(o).empty(); ++i) o = leader.step(Tick{});
  const Ballot b = sent<Prepare>(o).at(0).ballot;
  Promise p{b, {PromiseEntry{1, Ballot{1, 1}, cmd("old"), false},
                PromiseEntry{3, Ballot{1, 2}, cmd("x"), false},
                PromiseEntry{0, Ballot{}, cmd("c0"), true}}};
  o = leader.step(Receive{1, p});
  REQUIRE(leader.is_leader());
  REQUIRE(o.apply.size() == 1);  // slot 0 adopted as chosen without re-proposing
  auto accepts = sent<Accept>(o);
  std::map<Slot, Value> to_node1;
  for (const auto& a : accepts) to_node1[a.slot] = a.value;
  REQUIRE(to_node1.size() == 3);
  CHECK(to_node1[1] == cmd("old"));
  CHECK(to_node1[2].is_noop());
  CHECK(to_node1[3] == cmd("x"));
  // Node 2 accepted slot 1 in a higher ballot earlier; that one wins if reported.
  PaxosCore leader2(config(0, 3));
  o = Outputs{};
  for (int i = 0; i < 100 && sent<Prepare>(o).empty(); ++i) o = leader2.step(Tick{});
  const Ballot b2 = sent<Prepare>(o).at(0).ballot;
  leader2.step(Receive{1, Promise{b2, {PromiseEntry{1, Ballot{1, 1}, cmd("old"), false}}}});
  REQUIRE(leader2.is_leader());  // majority of 3 = self + node 1
}

TEST_CASE("paxos core: leader steps down on a higher ballot and without a quorum", "[paxos]") {
  Cluster c(3);
  c.elect(0);
  const Ballot b = c.cores[0].ballot();
  c.step(0, Receive{1, Nack{b, Ballot{b.round + 1, 1}}});
  CHECK(!c.cores[0].is_leader());
  CHECK(c.cores[0].leader_hint() == std::optional<NodeId>(1));

  Cluster d(3);
  d.elect(0);
  for (int i = 0; i < 30; ++i) d.step(0, Tick{});  // nobody answers
  CHECK(!d.cores[0].is_leader());
}

TEST_CASE("paxos core: bug knobs change exactly what they say", "[paxos][bug]") {
  Bugs no_persist;
  no_persist.no_persist = true;
  PaxosCore a(config(1, 3, no_persist));
  Outputs out = a.step(Receive{0, Prepare{Ballot{3, 0}, 0}});
  CHECK(out.persist.empty());
  CHECK(sent<Promise>(out).size() == 1);

  Bugs skip;
  skip.skip_promise_check = true;
  PaxosCore b(config(1, 3, skip));
  b.step(Receive{0, Prepare{Ballot{3, 0}, 0}});
  out = b.step(Receive{2, Accept{Ballot{2, 2}, 0, cmd("stale"), 0}});
  CHECK(sent<Accepted>(out).size() == 1);
  CHECK(sent<Nack>(out).empty());
  CHECK(b.promised() == Ballot{3, 0});
}
