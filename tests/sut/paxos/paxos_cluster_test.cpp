// Integration: real faultline-paxosd processes on loopback (3 and 5 nodes). Elect, write,
// kill -9 the leader, elect again, restart the killed node from its data dir, make it
// necessary for a majority (kill the current leader, and one more in a 5-node cluster), and
// check that every acknowledged write is still there and that all survivors applied the same
// log. Ends with SIGTERM: every daemon must exit 0.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "paxos_cluster.h"

using namespace faultline::paxos::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Parses "applied_slots" from the node's shutdown log line (-1 if absent).
int64_t applied_slots_at_shutdown(const PaxosCluster& c, std::size_t i) {
  std::ifstream in(c.dir() + "/" + c.name(i) + ".log");
  int64_t applied = -1;
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("msg", "") == "shutdown") applied = j.value("applied_slots", -1);
  }
  return applied;
}

void run_scenario(std::size_t n) {
  PaxosCluster c(n, {"--election-timeout-ms", "150", "--heartbeat-ms", "30",
                     "--request-timeout-ms", "1500"});
  for (std::size_t i = 0; i < n; ++i) c.start(i);
  std::map<std::string, int> acked;
  auto write = [&](const std::string& key, int value) {
    Outcome o = c.request(json{{"op", "write"}, {"key", key}, {"value", value}}, 10s);
    INFO("write " << key << " -> " << o.reply.dump() << " from " << o.node);
    REQUIRE(o.kind == Outcome::Kind::Ok);
    acked[key] = value;
  };
  auto check_all_acked = [&] {
    for (const auto& [key, value] : acked) {
      Outcome o = c.request(json{{"op", "read"}, {"key", key}}, 10s);
      INFO("read " << key << " -> " << o.reply.dump());
      REQUIRE(o.kind == Outcome::Kind::Ok);
      CHECK(o.reply["value"] == value);
    }
  };

  // 1. A leader is elected; writes succeed.
  for (int k = 0; k < 20; ++k) write("a" + std::to_string(k), k);
  REQUIRE(c.last_leader());
  const std::size_t first_leader = *c.last_leader();

  // 2. kill -9 the leader: a new one is elected and serves writes and reads.
  c.kill9(first_leader);
  for (int k = 0; k < 20; ++k) write("b" + std::to_string(k), 100 + k);
  REQUIRE(c.last_leader());
  const std::size_t second_leader = *c.last_leader();
  CHECK(second_leader != first_leader);
  check_all_acked();

  // 3. The old leader restarts from its data dir; then the cluster is cut down to a bare
  //    majority that needs it, so it must have recovered and caught up.
  c.start(first_leader);
  {
    // It recovers from disk and learns what was chosen while it was down (bounded wait).
    auto leader_status = c.status(second_leader);
    REQUIRE(leader_status);
    CHECK((*leader_status)["role"] == "leader");
    const uint64_t target = (*leader_status)["applied"].get<uint64_t>();
    CHECK(target >= 40);
    bool caught_up = false;
    for (int i = 0; i < 200 && !caught_up; ++i) {
      auto s = c.status(first_leader);
      caught_up = s && (*s)["applied"].get<uint64_t>() >= target &&
                  (*s)["leader"] == c.name(second_leader);
      if (!caught_up) std::this_thread::sleep_for(50ms);
    }
    INFO(c.log_tail(first_leader));
    REQUIRE(caught_up);
  }
  c.kill9(second_leader);
  if (n == 5) {
    for (std::size_t i = 0; i < n; ++i) {
      if (i != first_leader && i != second_leader) {
        c.kill9(i);
        break;
      }
    }
  }
  for (int k = 0; k < 20; ++k) write("c" + std::to_string(k), 200 + k);
  check_all_acked();
  // A txn reads several keys atomically through the log.
  Outcome t = c.request(json{{"op", "txn"}, {"ops", {{{"op", "read"}, {"key", "a0"}},
                                                       {{"op", "append"}, {"key", "l"}, {"value", 1}},
                                                       {{"op", "read"}, {"key", "c19"}}}}},
                        10s);
  REQUIRE(t.kind == Outcome::Kind::Ok);
  CHECK(t.reply["value"][0]["value"] == 0);
  CHECK(t.reply["value"][2]["value"] == 219);

  // 4. Survivors converge on the same applied log; SIGTERM is a clean exit.
  std::this_thread::sleep_for(400ms);  // heartbeats carry the commit index to followers
  std::vector<std::size_t> survivors;
  for (std::size_t i = 0; i < n; ++i) {
    if (c.running(i)) survivors.push_back(i);
  }
  REQUIRE(survivors.size() == n / 2 + 1);
  for (std::size_t i : survivors) {
    INFO(c.log_tail(i));
    CHECK(c.terminate(i) == 0);
  }
  const int64_t applied = applied_slots_at_shutdown(c, survivors[0]);
  CHECK(applied >= 61);  // 60 writes + 1 txn at least (plus no-ops of elections)
  for (std::size_t i : survivors) {
    INFO("node " << c.name(i) << "\n" << c.log_tail(i));
    CHECK(applied_slots_at_shutdown(c, i) == applied);
  }
}

}  // namespace

TEST_CASE("paxosd 3-node cluster: elect, kill -9 leader, re-elect, restart, catch up", "[paxos][integration]") {
  run_scenario(3);
}

TEST_CASE("paxosd 5-node cluster: elect, kill -9 leader, re-elect, restart, catch up", "[paxos][integration]") {
  run_scenario(5);
}

TEST_CASE("paxosd rejects bad flags with exit code 254 and explains --help", "[paxos][integration]") {
  const std::string bin = std::string(FAULTLINE_BINARY_DIR) + "/systems-under-test/paxos/faultline-paxosd";
  CHECK(WEXITSTATUS(std::system((bin + " --help >/dev/null").c_str())) == 0);
  CHECK(WEXITSTATUS(std::system((bin + " --id n1 --listen 127.0.0.1:1 --peers n2=127.0.0.1:2 "
                                       "--data-dir /tmp/x 2>/dev/null").c_str())) == 254);
  CHECK(WEXITSTATUS(std::system((bin + " --id n1 --listen 127.0.0.1:1 --peers n1=127.0.0.1:1 "
                                       "--data-dir /tmp/x --bug nonsense 2>/dev/null").c_str())) == 254);
}

TEST_CASE("paxosd refuses a data dir another daemon holds (exit 1)", "[paxos][integration]") {
  PaxosCluster c(1);
  c.start(0);
  const std::string bin = std::string(FAULTLINE_BINARY_DIR) + "/systems-under-test/paxos/faultline-paxosd";
  // `timeout` bounds the wait should the lock ever fail to stop the second daemon.
  const std::string cmd = "timeout 10 " + bin + " --id n1 --listen 127.0.0.1:1 --peers n1=127.0.0.1:" +
                          std::to_string(c.port(0)) + " --data-dir " + c.dir() + "/n1 2>/dev/null";
  CHECK(WEXITSTATUS(std::system(cmd.c_str())) == 1);
  // The holder is unaffected: a single-node cluster elects itself and serves.
  Outcome o = c.request(json{{"op", "write"}, {"key", "k"}, {"value", 1}}, 10s);
  CHECK(o.kind == Outcome::Kind::Ok);
  CHECK(c.terminate(0) == 0);
}

namespace {

// Writes keys, kill -9s every node, restarts them all from their data dirs and reads the keys
// back. Returns how many acknowledged writes were lost.
int lost_after_whole_cluster_crash(const std::vector<std::string>& extra_flags) {
  PaxosCluster c(3, extra_flags);
  for (std::size_t i = 0; i < 3; ++i) c.start(i);
  std::map<std::string, int> acked;
  for (int k = 0; k < 20; ++k) {
    Outcome o = c.request(json{{"op", "write"}, {"key", "w" + std::to_string(k)}, {"value", k}}, 10s);
    if (o.kind == Outcome::Kind::Ok) acked["w" + std::to_string(k)] = k;
  }
  REQUIRE(acked.size() == 20);
  for (std::size_t i = 0; i < 3; ++i) c.kill9(i);
  for (std::size_t i = 0; i < 3; ++i) c.start(i);
  int lost = 0;
  for (const auto& [key, value] : acked) {
    Outcome o = c.request(json{{"op", "read"}, {"key", key}}, 10s);
    REQUIRE(o.kind == Outcome::Kind::Ok);
    if (o.reply["value"] != value) ++lost;
  }
  return lost;
}

}  // namespace

TEST_CASE("paxosd survives kill -9 of the whole cluster; --bug no-persist does not", "[paxos][integration][bug]") {
  const std::vector<std::string> fast{"--election-timeout-ms", "150", "--heartbeat-ms", "30"};
  CHECK(lost_after_whole_cluster_crash(fast) == 0);
  auto buggy = fast;
  buggy.insert(buggy.end(), {"--bug", "no-persist"});
  const int lost = lost_after_whole_cluster_crash(buggy);
  CHECK(lost == 20);  // nothing was on disk: every acknowledged write is gone (caught)
}
