// Helpers of the CRDT workloads: see crdt_common.h.
#include "crdt_common.h"

#include <chrono>
#include <thread>

#include <faultline/checker/crdt/check_crdt.h>

namespace faultline::workloads::detail {

Op final_read_converged(const Op& invocation, SutClient& client, const std::string& key,
                        const Json& absent) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kConvergeWaitMs);
  bool converged = false;
  while (!converged && std::chrono::steady_clock::now() < deadline) {
    Reply s = client.call({{"op", "status"}});
    converged = s.ok && s.value.is_object() && s.value.value("converged", false);
    if (!converged) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Reply r = client.call({{"op", "read"}, {"key", key}, {"vv", true}});
  if (!r.ok || !r.value.is_object()) return complete_from_reply(invocation, r, nullptr);
  Json value = r.value.value("value", Json(nullptr));
  Op done = complete_from_reply(invocation, r, value.is_null() ? absent : value);
  done.extra = {{"converged", converged}, {"vv", r.value.value("vv", Json::object())}};
  return done;
}

Json crdt_convergence(const History& history) {
  checker::crdt::CrdtOptions o;
  o.read_f = "final-read";  // never fall back on main-phase reads
  return checker::crdt::check_convergence(history, o).to_json();
}

Json combine_valid(std::initializer_list<Json> verdicts) {
  Json out = true;
  for (const Json& v : verdicts) {
    if (v == false) return false;
    if (v != true) out = "unknown";
  }
  return out;
}

const Op* completion_of(const std::vector<Op>& ops, const std::vector<int64_t>& completion, size_t i) {
  return completion[i] < 0 ? nullptr : &ops[static_cast<size_t>(completion[i])];
}

}  // namespace faultline::workloads::detail
