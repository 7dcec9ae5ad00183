// The checker bench's scenarios on hard histories (see checker_bench.cpp for the command line):
// the kv50 corpus beside Porcupine's times, seeded high-concurrency kv histories, and how close
// the time and memory budgets are honoured. Each prints one line per history or case.
#pragma once
#include <string>

namespace faultline::bench {

inline bool g_prune = true;   // --no-prune: the previous search

int kv50(const std::string& hard_corpus_dir, int runs);
int gen_kv(int runs);
int budget();

}  // namespace faultline::bench
