// paxos_bench: throughput and latency of faultline-paxosd (3 nodes on loopback by default).
// Starts a real cluster (tests/sut/paxos/paxos_cluster.h: own pids only, temp data dirs), finds
// the leader, then runs C closed-loop clients for S seconds, each on its own connection to the
// leader, issuing a mix of 50% read / 30% write / 20% cas over 100 keys. Prints ops/s and
// p50/p99/max latency of ok replies, and a JSON summary line. Not a test: no timed assertions.
//   paxos_bench [--seconds S] [--clients C] [--nodes N]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "faultline/sut/line_client.h"
#include "paxos_cluster.h"

using namespace faultline;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int seconds = 10, clients = 10, nodes = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--clients")) clients = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--nodes")) nodes = std::atoi(argv[i + 1]);
    else {
      std::cerr << "usage: paxos_bench [--seconds S] [--clients C] [--nodes N]\n";
      return 254;
    }
  }
  paxos::testing::PaxosCluster cluster(nodes);
  for (int i = 0; i < nodes; ++i) cluster.start(i);
  auto first = cluster.request(json{{"op", "write"}, {"key", "warmup"}, {"value", 0}},
                               std::chrono::seconds(10));
  if (first.kind != paxos::testing::Outcome::Kind::Ok || !cluster.last_leader()) {
    std::cerr << "no leader within 10 s: " << first.reply.dump() << "\n";
    return 1;
  }
  const uint16_t leader_port = cluster.port(*cluster.last_leader());

  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies_us(clients);
  std::vector<uint64_t> errors(clients, 0);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(c + 1);
      sut::LineClient client;
      client.connect(sut::Endpoint{"127.0.0.1", leader_port}, std::chrono::seconds(2));
      uint64_t id = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const std::string key = "k" + std::to_string(rng() % 100);
        const uint64_t kind = rng() % 10;
        json req;
        if (kind < 5) req = json{{"op", "read"}, {"key", key}};
        else if (kind < 8) req = json{{"op", "write"}, {"key", key}, {"value", rng() % 10}};
        else req = json{{"op", "cas"}, {"key", key}, {"expected", rng() % 10}, {"value", rng() % 10}};
        req["id"] = ++id;
        const auto t0 = Clock::now();
        try {
          json reply = client.request(req, std::chrono::seconds(5));
          const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
          if (reply.value("ok", false) || reply.value("error", "") == "cas-mismatch") {
            latencies_us[c].push_back(us);  // a cas mismatch is a completed op too
          } else {
            ++errors[c];
          }
        } catch (const sut::ClientIoError&) {
          ++errors[c];
          client.connect(sut::Endpoint{"127.0.0.1", leader_port}, std::chrono::seconds(2));
        }
      }
    });
  }
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> all;
  uint64_t errs = 0;
  for (int c = 0; c < clients; ++c) {
    all.insert(all.end(), latencies_us[c].begin(), latencies_us[c].end());
    errs += errors[c];
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, std::size_t(p * all.size()))];
  };
  const double ops = all.size() / elapsed;
  std::printf("faultline-paxosd: %d nodes, %d clients, %.1f s: %zu ops, %.0f ops/s, "
              "p50 %.2f ms, p99 %.2f ms, max %.2f ms, errors %llu\n",
              nodes, clients, elapsed, all.size(), ops, pct(0.5) / 1000, pct(0.99) / 1000,
              all.empty() ? 0.0 : all.back() / 1000, static_cast<unsigned long long>(errs));
  std::printf("%s\n", json{{"system", "paxos"}, {"nodes", nodes}, {"clients", clients},
                           {"seconds", elapsed}, {"ops", all.size()}, {"ops_per_s", ops},
                           {"p50_ms", pct(0.5) / 1000}, {"p99_ms", pct(0.99) / 1000},
                           {"errors", errs}}
                          .dump()
                          .c_str());
  for (int i = 0; i < nodes; ++i) cluster.terminate(i);
  return 0;
}
