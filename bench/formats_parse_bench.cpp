// Parse-time benchmark for the history readers (parsing is reported apart from checking):
//   1. every etcd console log of the public corpus (porcupine/etcd/*.log), best of 5 runs;
//   2. a generated register history of N ops (default 1,000,000; 1,000 keys, 50 processes),
//      written once as JSONL and as EDN into a temp dir, then read back.
// Usage: faultline_formats_parse_bench [N] | --file PATH...  (files: e.g. those written by
// faultline_formats_history_gen). Each file is read streamed (the parse alone) and into a
// History, best of 3. Prints wall and CPU milliseconds and MB/s of CPU time (CPU time is the
// honest figure on a shared machine).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "faultline/core/formats.h"

using namespace faultline;
namespace fs = std::filesystem;

namespace {
struct Timing {
  double wall_ms;
  double cpu_ms;
};

template <class F>
Timing timed(F&& f) {
  const auto w0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  f();
  const std::clock_t c1 = std::clock();
  const auto w1 = std::chrono::steady_clock::now();
  return {std::chrono::duration<double, std::milli>(w1 - w0).count(),
          1000.0 * static_cast<double>(c1 - c0) / CLOCKS_PER_SEC};
}

History generated_register_history(size_t n_ops) {
  std::mt19937_64 rng(42);
  History h;
  h.mutable_ops().reserve(n_ops);
  for (size_t i = 0; i + 1 < n_ops; i += 2) {
    Op op;
    op.process = static_cast<int64_t>(i / 2 % 50);
    op.type = OpType::Invoke;
    op.f = rng() % 2 == 0 ? "read" : "write";
    op.key = static_cast<int64_t>(rng() % 1000);
    if (op.f == "write") op.value = static_cast<int64_t>(rng() % 100);
    op.time_ns = static_cast<int64_t>(i) * 1000;
    h.add(op);
    op.type = OpType::Ok;
    if (op.f == "read") op.value = static_cast<int64_t>(rng() % 100);
    op.time_ns += 500;
    h.add(op);
  }
  return h;
}

// Reads `path` twice: streamed (HistoryFileReader, each op dropped: the parse alone) and into
// a History (read_history_file: parse + holding every Op). Best CPU time of `runs` each.
void report(const std::string& label, const std::string& path, int runs = 3) {
  const double mb = static_cast<double>(fs::file_size(path)) / 1e6;
  for (const bool held : {false, true}) {
    Timing best{1e18, 1e18};
    size_t ops = 0;
    for (int r = 0; r < runs; ++r) {
      const Timing t = timed([&] {
        if (held) {
          ops = read_history_file(path).size();
        } else {
          HistoryFileReader reader(path);
          ops = static_cast<size_t>(reader.read([](Op&&) {}));
        }
      });
      if (t.cpu_ms < best.cpu_ms) best = t;
    }
    std::printf("%s (%s): %zu ops, %.1f MB: %.0f ms wall, %.0f ms CPU = %.0f MB/s CPU\n",
                label.c_str(), held ? "into a History" : "streamed", ops, mb, best.wall_ms,
                best.cpu_ms, mb / (best.cpu_ms / 1000.0));
  }
}
}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--file") {
    for (int i = 2; i < argc; ++i) report(argv[i], argv[i]);
    return 0;
  }
  const size_t n_ops = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;

  std::vector<std::string> logs;
  for (const auto& e : fs::directory_iterator(fs::path(FAULTLINE_CORPUS_DIR) / "porcupine/etcd")) {
    if (e.path().extension() == ".log") logs.push_back(e.path().string());
  }
  Timing best{1e18, 1e18};
  size_t etcd_ops = 0;
  for (int run = 0; run < 5; ++run) {
    size_t ops = 0;
    const Timing t = timed([&] {
      for (const auto& p : logs) ops += read_history_file(p).size();
    });
    etcd_ops = ops;
    if (t.cpu_ms < best.cpu_ms) best = t;
  }
  std::printf("etcd logs: %zu files, %zu ops: %.2f ms wall, %.2f ms CPU (best of 5)\n",
              logs.size(), etcd_ops, best.wall_ms, best.cpu_ms);

  const fs::path dir = fs::temp_directory_path() / "faultline_formats_bench";
  fs::create_directories(dir);
  const History h = generated_register_history(n_ops);
  const std::string jsonl = (dir / "history.jsonl").string();
  const std::string edn = (dir / "history.edn").string();
  {
    std::ofstream j(jsonl), e(edn);
    write_history_jsonl(h, j);
    write_history_edn(h, e);
  }
  for (const auto& [name, path] : {std::pair{"jsonl", jsonl}, std::pair{"edn", edn}}) {
    report(std::string("generated ") + name, path);
  }
  fs::remove_all(dir);
  return 0;
}
