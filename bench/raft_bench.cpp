// raft_bench: throughput and latency of faultline-raftd, 3 nodes on loopback by default.
// Starts a real cluster (tests/sut/local_daemon_cluster.h: own pids only, temp data dirs),
// finds the leader, then runs C closed-loop clients for S seconds, each on its own connection to
// the leader, with a mix of 50% read / 30% write / 20% cas over 100 keys (the same mix as
// paxos_bench, for comparison). Writes and cas go through the log (fdatasync on a majority
// before the ack); reads use ReadIndex (one heartbeat round, no fsync). Prints ops/s and
// p50/p99/max latency of completed ops, error counts, and a JSON summary line.
// Not a test: no timed assertions.
//   raft_bench [--seconds S] [--clients C] [--nodes N] [--raftd PATH]
// --raftd runs another faultline-raftd binary (e.g. an older build, for a paired comparison).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "faultline/sut/line_client.h"
#include "local_daemon_cluster.h"

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  int seconds = 10, clients = 10, nodes = 3;
  std::string raftd = FAULTLINE_BINARY_DIR "/systems-under-test/raft/faultline-raftd";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--clients")) clients = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--nodes")) nodes = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--raftd")) raftd = argv[i + 1];
    else {
      std::cerr << "usage: raft_bench [--seconds S] [--clients C] [--nodes N] [--raftd PATH]\n";
      return 254;
    }
  }
  faultline::sut::test::LocalDaemonCluster cluster(raftd, nodes, {}, "raftbench");
  cluster.start_all();
  auto first = cluster.request({{"id", 0}, {"op", "write"}, {"key", "warmup"}, {"value", 0}}, 10s);
  if (!first || first->reply["ok"] != true) {
    std::cerr << "no leader within 10 s\n";
    return 1;
  }
  const auto leader = cluster.endpoint(first->node);

  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies_us(clients);
  std::vector<std::map<std::string, uint64_t>> errors(clients);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(c + 1);
      faultline::sut::LineClient client;
      client.connect(leader, 2s);
      int64_t id = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        std::string key = "k";
        key += std::to_string(rng() % 100);
        uint64_t kind = rng() % 10;
        json req{{"id", ++id}, {"key", key}};
        if (kind < 5) {
          req["op"] = "read";
        } else if (kind < 8) {
          req["op"] = "write";
          req["value"] = static_cast<int64_t>(rng() % 1000);
        } else {
          req["op"] = "cas";
          req["expected"] = static_cast<int64_t>(rng() % 1000);
          req["value"] = static_cast<int64_t>(rng() % 1000);
        }
        auto t0 = Clock::now();
        try {
          json reply = client.request(req, 5s);
          double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
          // cas-mismatch is a completed op (the cas ran and saw another value).
          if (reply["ok"] == true || reply["error"] == "cas-mismatch") latencies_us[c].push_back(us);
          else errors[c][reply["error"].get<std::string>()]++;
        } catch (const faultline::sut::ClientIoError& e) {
          errors[c]["io"]++;
          client.connect(leader, 2s);
        }
      }
    });
  }
  auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> all;
  std::map<std::string, uint64_t> err;
  for (int c = 0; c < clients; ++c) {
    all.insert(all.end(), latencies_us[c].begin(), latencies_us[c].end());
    for (auto& [k, v] : errors[c]) err[k] += v;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))] / 1000.0;
  };
  double ops_s = all.size() / elapsed_s;
  std::printf("raft_bench: %d nodes, %d clients, %.1f s: %zu ops, %.0f ops/s, p50 %.2f ms, "
              "p99 %.2f ms, max %.2f ms\n",
              nodes, clients, elapsed_s, all.size(), ops_s, pct(0.5), pct(0.99),
              all.empty() ? 0.0 : all.back() / 1000.0);
  json summary{{"nodes", nodes}, {"clients", clients}, {"seconds", elapsed_s},
               {"ops", all.size()}, {"ops_per_s", ops_s}, {"p50_ms", pct(0.5)},
               {"p99_ms", pct(0.99)}, {"errors", err}};
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}
