// OpPairer (history.h) against the pairing algorithm History::pair() used before it was split
// out (kept here as the oracle), on random histories with info completions, reused process
// ids, Jepsen nemesis info/info pairs, process-less ops and orphan completions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "faultline/core/error.h"
#include "faultline/core/history.h"

using namespace faultline;

namespace {

struct Paired {
  bool error = false;
  std::vector<int64_t> completion, invocation, logical;
};

Paired oracle_pair(const std::vector<Op>& ops) {
  Paired out;
  const size_t n = ops.size();
  out.completion.assign(n, -1);
  out.invocation.assign(n, -1);
  out.logical.assign(n, 0);
  int64_t next_fresh = 0;
  for (const Op& op : ops) next_fresh = std::max(next_fresh, op.process + 1);
  struct ProcState {
    int64_t open = -1;
    int64_t logical = 0;
  };
  std::unordered_map<int64_t, ProcState> procs;
  std::deque<int64_t> no_process_open;
  for (size_t i = 0; i < n; ++i) {
    const Op& op = ops[i];
    auto [it, fresh] = procs.try_emplace(op.process);
    ProcState& ps = it->second;
    if (fresh) ps.logical = op.process;
    const bool opens_nemesis_op =
        op.type == OpType::Info && op.process == kNemesisProcess && ps.open < 0;
    if (op.type == OpType::Invoke || opens_nemesis_op) {
      if (ps.open >= 0 && op.process != kNoProcess) return Paired{true, {}, {}, {}};
      if (op.process != kNoProcess) {
        ps.open = static_cast<int64_t>(i);
      } else {
        no_process_open.push_back(static_cast<int64_t>(i));
      }
      out.logical[i] = ps.logical;
      continue;
    }
    if (op.process == kNoProcess) {
      out.logical[i] = kNoProcess;
      if (no_process_open.empty()) return Paired{true, {}, {}, {}};
      const int64_t inv = no_process_open.front();
      no_process_open.pop_front();
      out.completion[static_cast<size_t>(inv)] = static_cast<int64_t>(i);
      out.invocation[i] = inv;
      continue;
    }
    if (ps.open < 0) return Paired{true, {}, {}, {}};
    out.completion[static_cast<size_t>(ps.open)] = static_cast<int64_t>(i);
    out.invocation[i] = ps.open;
    out.logical[i] = ps.logical;
    ps.open = -1;
    if (op.type == OpType::Info && op.process >= 0) ps.logical = next_fresh++;
  }
  return out;
}

std::vector<Op> random_ops(std::mt19937_64& rng) {
  const int processes = 1 + static_cast<int>(rng() % 4);
  std::vector<bool> open(static_cast<size_t>(processes), false);
  std::vector<Op> ops;
  const int n = 2 + static_cast<int>(rng() % 30);
  for (int i = 0; i < n; ++i) {
    Op op;
    const uint64_t r = rng() % 20;
    if (r == 0) {
      op.process = kNemesisProcess;
      op.type = rng() % 2 ? OpType::Info : OpType::Invoke;
    } else if (r == 1) {
      op.process = kNoProcess;
      op.type = rng() % 2 ? OpType::Invoke : OpType::Ok;
    } else {
      const auto p = static_cast<size_t>(rng() % static_cast<uint64_t>(processes));
      op.process = static_cast<int64_t>(p);
      // Mostly well formed; sometimes an orphan completion or a double invocation.
      const bool wild = rng() % 25 == 0;
      if (open[p] != wild) {
        const OpType done[] = {OpType::Ok, OpType::Fail, OpType::Info};
        op.type = done[rng() % 3];
        open[p] = false;
      } else {
        op.type = OpType::Invoke;
        open[p] = true;
      }
    }
    op.index = static_cast<int64_t>(ops.size());
    ops.push_back(op);
  }
  return ops;
}

}  // namespace

TEST_CASE("OpPairer pairs exactly as the previous History::pair") {
  std::mt19937_64 rng(19);
  int errors = 0, fresh_ids = 0;
  for (int round = 0; round < 5000; ++round) {
    const std::vector<Op> ops = random_ops(rng);
    const Paired want = oracle_pair(ops);
    History h(ops);
    if (want.error) {
      ++errors;
      CHECK_THROWS_AS(h.pair(), HistoryError);
      continue;
    }
    h.pair();
    int64_t max_process = -1;
    for (const Op& op : ops) max_process = std::max(max_process, op.process);
    for (size_t i = 0; i < ops.size(); ++i) {
      REQUIRE(h.completion(i) == want.completion[i]);
      REQUIRE(h.invocation(i) == want.invocation[i]);
      REQUIRE(h.logical_process(i) == want.logical[i]);
      if (want.logical[i] > max_process) ++fresh_ids;
    }
  }
  CHECK(errors > 50);      // orphan completions and double invocations were exercised
  CHECK(fresh_ids > 100);  // so were processes reused after info
}

TEST_CASE("OpPairer reports open invocations in order") {
  OpPairer p(10);
  Op inv;
  inv.type = OpType::Invoke;
  inv.process = 3;
  p.add(inv, 0);
  inv.process = kNoProcess;
  p.add(inv, 1);
  inv.process = 1;
  p.add(inv, 2);
  Op info;
  info.type = OpType::Info;
  info.process = 3;
  const OpPairer::Pairing done = p.add(info, 3);
  CHECK(done.invocation == 0);
  CHECK(done.logical_process == 3);
  CHECK(p.open_invocations() == std::vector<int64_t>{1, 2});
  inv.process = 3;
  CHECK(p.add(inv, 4).logical_process == 10);  // reused after info: the first fresh id
}
