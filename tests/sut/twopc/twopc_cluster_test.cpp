// Integration: 3 real faultline-2pcd processes (one shard each) on loopback. Bank transfers
// (read txn, then a txn of two cas across shards) from 4 client threads, half of them through
// n1; n1 is killed -9 mid-load and restarted from its log. Once every participant has
// resolved its prepared txns, the accounts still sum to the initial total, and transfers were
// acknowledged both before the kill and after the restart.
#include <catch2/catch.hpp>

#include <atomic>
#include <random>
#include <thread>

#include "../local_daemon_cluster.h"
#include "faultline/sut/line_client.h"

using faultline::sut::LineClient;
using faultline::sut::test::LocalDaemonCluster;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string k2pcd = FAULTLINE_BINARY_DIR "/systems-under-test/twopc/faultline-2pcd";
constexpr int kAccounts = 6;
constexpr int kInitial = 100;

std::string account(int i) { return "acct" + std::to_string(i); }

// One client thread: transfers through node `node` until `stop`; counts acknowledged ones.
void transfer_loop(const LocalDaemonCluster& c, int node, int seed, std::atomic<bool>& stop,
                   std::atomic<int>& ok) {
  std::mt19937 rng(seed);
  LineClient client;
  int64_t id = 0;
  for (int round = 0; round < 100000 && !stop; ++round) {
    try {
      if (!client.connected()) client.connect(c.endpoint(node), 200ms);
      int from = rng() % kAccounts, to = rng() % kAccounts;
      if (from == to) continue;
      json rd = client.request({{"id", ++id}, {"op", "txn"},
                                {"ops", {{{"op", "read"}, {"key", account(from)}},
                                         {{"op", "read"}, {"key", account(to)}}}}}, 2s);
      if (rd["ok"] != true) continue;
      const int64_t a = rd["value"][0]["value"], b = rd["value"][1]["value"];
      const int64_t amount = 1 + rng() % 5;
      if (a < amount) continue;
      json w = client.request(
          {{"id", ++id}, {"op", "txn"},
           {"ops", {{{"op", "cas"}, {"key", account(from)}, {"expected", a}, {"value", a - amount}},
                    {{"op", "cas"}, {"key", account(to)}, {"expected", b}, {"value", b + amount}}}}},
          2s);
      if (w["ok"] == true) ++ok;
    } catch (const faultline::sut::ClientIoError&) {
      client.close();
      std::this_thread::sleep_for(20ms);
    }
  }
}

int prepared_total(const LocalDaemonCluster& c) {
  int n = 0;
  for (int i = 0; i < c.size(); ++i) {
    auto r = c.ask(i, {{"id", "s"}, {"op", "status"}}, 1s);
    if (!r || (*r)["ok"] != true) return -1;
    n += (*r)["value"]["prepared"].get<int>();
  }
  return n;
}

}  // namespace

TEST_CASE("2pcd: bank transfers across 3 shards survive a coordinator kill -9 with totals intact") {
  LocalDaemonCluster c(k2pcd, 3, {}, "2pc-bank");
  c.start_all();
  for (int i = 0; i < 3; ++i) REQUIRE(c.wait_listening(i, 5s));
  json init = json::array();
  for (int i = 0; i < kAccounts; ++i)
    init.push_back({{"op", "write"}, {"key", account(i)}, {"value", kInitial}});
  auto r = c.ask(1, {{"id", 1}, {"op", "txn"}, {"ops", init}}, 5s);
  REQUIRE(r.has_value());
  REQUIRE((*r)["ok"] == true);

  std::atomic<bool> stop{false};
  std::atomic<int> ok_before{0}, ok_after{0};
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] { transfer_loop(c, t % 2 == 0 ? 0 : 1 + t / 2, 7 + t, stop, ok); });
  std::this_thread::sleep_for(1500ms);
  ok_before = ok.load();
  c.kill9(0);  // n1 coordinates half of the transfers
  std::this_thread::sleep_for(700ms);
  c.start(0);
  REQUIRE(c.wait_listening(0, 5s));
  std::this_thread::sleep_for(1500ms);
  stop = true;
  for (auto& th : threads) th.join();
  ok_after = ok.load() - ok_before.load();
  INFO("acknowledged transfers: " << ok_before << " before the kill, " << ok_after << " after");
  CHECK(ok_before > 0);
  CHECK(ok_after > 0);
  CHECK(c.log_text(0).find("\"msg\":\"recovered\"") != std::string::npos);

  // Every prepared txn gets its decision once n1 is back (bounded wait).
  int prepared = -1;
  for (int i = 0; i < 100 && prepared != 0; ++i) {
    prepared = prepared_total(c);
    if (prepared != 0) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(prepared == 0);
  json reads = json::array();
  for (int i = 0; i < kAccounts; ++i) reads.push_back({{"op", "read"}, {"key", account(i)}});
  auto all = c.ask(2, {{"id", 2}, {"op", "txn"}, {"ops", reads}}, 5s);
  REQUIRE(all.has_value());
  INFO(all->dump());
  REQUIRE((*all)["ok"] == true);
  int64_t total = 0;
  for (const auto& m : (*all)["value"]) total += m["value"].get<int64_t>();
  CHECK(total == kAccounts * kInitial);
  for (int i = 0; i < 3; ++i) CHECK(c.terminate(i, 5s) == std::optional<int>(0));
}
