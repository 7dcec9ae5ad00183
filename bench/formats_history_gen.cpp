// Writes the large generated histories the parse and memory benchmarks read (bench/RESULTS.md),
// deterministic for a given seed, so nothing big is committed:
//   register    N ops (default 1,000,000) of read/write on 1,000 keyed registers, 100 clients,
//               linearizable by construction (checker_history_gen.h, seed 1); model cas-register
//               (or kv, which `faultline check` picks for keyed ops).
//   list-append N txns (default 1,000,000), 10 clients, 1-5 micro-ops each, 1,000 active keys x
//               16 appends, strict-serializable by construction (txn_history_generator.h, seed 7).
// Usage: faultline_formats_history_gen register|list-append jsonl|edn OUT [N] [SEED]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "checker_history_gen.h"
#include "faultline/core/formats.h"
#include "txn_history_generator.h"

using namespace faultline;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s register|list-append jsonl|edn OUT [N] [SEED]\n", argv[0]);
    return 254;
  }
  const std::string kind = argv[1], format = argv[2], out_path = argv[3];
  const int64_t n = argc > 4 ? std::strtoll(argv[4], nullptr, 10) : 1000000;
  History h;
  if (kind == "register") {
    bench::GenSpec spec;
    spec.workload = bench::GeneratedWorkload::RegisterReadWrite;
    spec.ops = n;
    spec.clients = 100;
    spec.keys = 1000;
    spec.seed = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 1;
    h = bench::generate_history(spec);
  } else if (kind == "list-append") {
    h = bench::list_append_history(n, argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 7);
  } else {
    std::fprintf(stderr, "unknown history kind '%s' (register, list-append)\n", kind.c_str());
    return 254;
  }
  std::ofstream out(out_path, std::ios::binary);
  if (!out) {
    std::fprintf(stderr, "cannot create %s\n", out_path.c_str());
    return 1;
  }
  if (format == "jsonl") {
    write_history_jsonl(h, out);
  } else if (format == "edn") {
    write_history_edn(h, out);
  } else {
    std::fprintf(stderr, "unknown format '%s' (jsonl, edn)\n", format.c_str());
    return 254;
  }
  out.close();
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", out_path.c_str());
    return 1;
  }
  std::printf("%s: %zu ops (%s, %s)\n", out_path.c_str(), h.size(), kind.c_str(), format.c_str());
  return 0;
}
