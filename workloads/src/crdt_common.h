// Private helpers of the CRDT workloads (pn-counter, or-set, lww-register) against
// faultline-crdtd (systems-under-test/crdt): the final read after convergence and the
// checker/crdt convergence check.
//
// final_read_converged: the final phase runs one final-read per client process (processes are
// pinned to nodes, so every node is read when concurrency >= nodes). It first polls the node's
// `status` until "converged" (every peer heard from recently with an equal version vector:
// the quiet period after heal) for at most kConvergeWaitMs, then reads `key` locally. The
// completion is ok with the value read (null normalized by `absent`), and extra
// {"converged": bool, "vv": the node's version vector}; a node that never converged still gives
// its read, so divergence shows up in the checker rather than being hidden.
#pragma once
#include <initializer_list>
#include <string>

#include "kv_common.h"

namespace faultline::workloads::detail {

inline constexpr int64_t kConvergeWaitMs = 15000;

Op final_read_converged(const Op& invocation, SutClient& client, const std::string& key,
                        const Json& absent);

// checker::crdt::check_convergence over the "final-read" ops, as JSON (CheckResult::to_json).
Json crdt_convergence(const History& history);

// false if any is false, else "unknown" if any is not true, else true.
Json combine_valid(std::initializer_list<Json> verdicts);

// The completion of invocation `i` (position in ops) or nullptr (never completed).
const Op* completion_of(const std::vector<Op>& ops, const std::vector<int64_t>& completion, size_t i);

}  // namespace faultline::workloads::detail
