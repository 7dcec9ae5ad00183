// faultline-crdtd as real processes on loopback (LocalDaemonCluster): writes at every node
// converge through gossip; an acknowledged update survives kill -9 and restart of its node
// (even before any gossip: the node's peers are down); SIGTERM exits 0; an unknown --bug
// stops the daemon at once; an update of a key holding another CRDT type is bad-request.
#include <catch2/catch.hpp>

#include <thread>

#include "local_daemon_cluster.h"

using faultline::sut::test::LocalDaemonCluster;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kBinary = FAULTLINE_BINARY_DIR "/systems-under-test/crdt/faultline-crdtd";

json ask_ok(LocalDaemonCluster& c, int i, const json& req) {
  auto r = c.ask(i, req, 2s);
  REQUIRE(r.has_value());
  INFO(r->dump());
  REQUIRE((*r)["ok"] == true);
  return (*r)["value"];
}

bool converged(LocalDaemonCluster& c) {
  for (int i = 0; i < c.size(); ++i) {
    auto r = c.ask(i, {{"id", 1}, {"op", "status"}}, 1s);
    if (!r || !(*r)["value"].value("converged", false)) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("crdtd: updates at every node converge; acknowledged updates survive kill -9") {
  LocalDaemonCluster c(kBinary, 3, {"--gossip-ms", "20"}, "crdt");
  c.start_all();
  for (int i = 0; i < 3; ++i) REQUIRE(c.wait_listening(i, 5s));
  for (int i = 0; i < 3; ++i) {
    ask_ok(c, i, {{"id", 1}, {"op", "pn-add"}, {"key", "c"}, {"value", i + 1}});
    ask_ok(c, i, {{"id", 2}, {"op", "set-add"}, {"key", "s"}, {"value", i}});
    ask_ok(c, i, {{"id", 3}, {"op", "write"}, {"key", "r"}, {"value", i}});
  }
  for (int k = 0; k < 100 && !converged(c); ++k) std::this_thread::sleep_for(50ms);
  REQUIRE(converged(c));
  const json reg = ask_ok(c, 0, {{"id", 4}, {"op", "read"}, {"key", "r"}});
  for (int i = 0; i < 3; ++i) {
    CHECK(ask_ok(c, i, {{"id", 5}, {"op", "read"}, {"key", "c"}}) == 6);
    CHECK(ask_ok(c, i, {{"id", 6}, {"op", "read"}, {"key", "s"}}) == json::array({0, 1, 2}));
    CHECK(ask_ok(c, i, {{"id", 7}, {"op", "read"}, {"key", "r"}}) == reg);
  }
  // Peers down: n1's next update cannot be gossiped; kill -9 and restart n1 alone.
  c.kill9(1);
  c.kill9(2);
  ask_ok(c, 0, {{"id", 8}, {"op", "pn-add"}, {"key", "c"}, {"value", -10}});
  ask_ok(c, 0, {{"id", 9}, {"op", "set-remove"}, {"key", "s"}, {"value", 1}});
  c.kill9(0);
  c.start(0);
  REQUIRE(c.wait_listening(0, 5s));
  CHECK(ask_ok(c, 0, {{"id", 10}, {"op", "read"}, {"key", "c"}}) == -4);
  const json withvv = ask_ok(c, 0, {{"id", 11}, {"op", "read"}, {"key", "s"}, {"vv", true}});
  CHECK(withvv["value"] == json::array({0, 2}));
  CHECK(withvv["vv"]["n1"].get<int>() >= 5);
  // The others come back and catch up.
  c.start(1);
  c.start(2);
  REQUIRE(c.wait_listening(1, 5s));
  REQUIRE(c.wait_listening(2, 5s));
  for (int k = 0; k < 100 && !converged(c); ++k) std::this_thread::sleep_for(50ms);
  REQUIRE(converged(c));
  for (int i = 0; i < 3; ++i) CHECK(ask_ok(c, i, {{"id", 12}, {"op", "read"}, {"key", "c"}}) == -4);
  for (int i = 0; i < 3; ++i) CHECK(c.terminate(i, 5s) == std::optional<int>(0));
  CHECK(c.log_text(0).find("\"node\":\"n1\"") != std::string::npos);
}

TEST_CASE("crdtd: an unknown bug knob stops the daemon; a type clash is bad-request") {
  LocalDaemonCluster c(kBinary, 1, {"--bug", "no-such-bug"}, "crdtbad");
  c.start(0);
  CHECK_THROWS_AS(c.wait_listening(0, 5s), std::runtime_error);
  LocalDaemonCluster ok(kBinary, 1, {}, "crdtone");
  ok.start(0);
  REQUIRE(ok.wait_listening(0, 5s));
  ask_ok(ok, 0, {{"id", 1}, {"op", "g-add"}, {"key", "g"}, {"value", 2}});
  auto r = ok.ask(0, {{"id", 2}, {"op", "set-add"}, {"key", "g"}, {"value", 1}}, 2s);
  REQUIRE(r.has_value());
  CHECK((*r)["error"] == "bad-request");
  CHECK(ok.terminate(0, 5s) == std::optional<int>(0));
}
