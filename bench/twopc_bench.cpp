// twopc_bench: committed transactions/s of faultline-2pcd (3 nodes on loopback by default).
// Starts real daemons (tests/sut/local_daemon_cluster.h: own pids only, temp data dirs), then
// runs C closed-loop clients for S seconds, client c on node c % N, each sending txns of one
// read and two writes over 1000 keys (so most txns span 2-3 shards: full 2PC with prepare and
// decision fsyncs). Prints committed txns/s, aborts (lock conflicts) and p50/p99/max latency
// of committed txns, plus a JSON summary line. Not a test: no timed assertions.
//   twopc_bench [--seconds S] [--clients C] [--nodes N]
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
#include "local_daemon_cluster.h"

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
      std::cerr << "usage: twopc_bench [--seconds S] [--clients C] [--nodes N]\n";
      return 254;
    }
  }
  sut::test::LocalDaemonCluster cluster(
      FAULTLINE_BINARY_DIR "/systems-under-test/twopc/faultline-2pcd", nodes, {}, "2pc-bench");
  cluster.start_all();
  for (int i = 0; i < nodes; ++i)
    if (!cluster.wait_listening(i, std::chrono::seconds(10))) {
      std::cerr << "node " << i << " not listening\n";
      return 1;
    }
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies_us(clients);
  std::vector<uint64_t> aborts(clients, 0), errors(clients, 0);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(c + 1);
      sut::LineClient client;
      const sut::Endpoint ep = cluster.endpoint(c % nodes);
      client.connect(ep, std::chrono::seconds(2));
      uint64_t id = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        auto key = [&] { return "k" + std::to_string(rng() % 1000); };
        json req{{"id", ++id}, {"op", "txn"},
                 {"ops", {{{"op", "read"}, {"key", key()}},
                          {{"op", "write"}, {"key", key()}, {"value", id}},
                          {{"op", "write"}, {"key", key()}, {"value", id}}}}};
        const auto t0 = Clock::now();
        try {
          json reply = client.request(req, std::chrono::seconds(5));
          const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
          if (reply.value("ok", false)) latencies_us[c].push_back(us);
          else if (reply.value("error", "") == "unavailable") ++aborts[c];
          else ++errors[c];
        } catch (const sut::ClientIoError&) {
          ++errors[c];
          client.close();
          client.connect(ep, std::chrono::seconds(2));
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
  uint64_t aborted = 0, errs = 0;
  for (int c = 0; c < clients; ++c) {
    all.insert(all.end(), latencies_us[c].begin(), latencies_us[c].end());
    aborted += aborts[c];
    errs += errors[c];
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, std::size_t(p * all.size()))];
  };
  const double tps = all.size() / elapsed;
  std::printf("faultline-2pcd: %d nodes, %d clients, %.1f s: %zu committed txns, %.0f txns/s, "
              "p50 %.2f ms, p99 %.2f ms, max %.2f ms, aborted %llu, errors %llu\n",
              nodes, clients, elapsed, all.size(), tps, pct(0.5) / 1000, pct(0.99) / 1000,
              all.empty() ? 0.0 : all.back() / 1000, static_cast<unsigned long long>(aborted),
              static_cast<unsigned long long>(errs));
  std::printf("%s\n", json{{"system", "2pc"}, {"nodes", nodes}, {"clients", clients},
                           {"seconds", elapsed}, {"committed", all.size()}, {"txns_per_s", tps},
                           {"p50_ms", pct(0.5) / 1000}, {"p99_ms", pct(0.99) / 1000},
                           {"aborted", aborted}, {"errors", errs}}
                          .dump()
                          .c_str());
  for (int i = 0; i < nodes; ++i) cluster.terminate(i, std::chrono::seconds(5));
  return 0;
}
