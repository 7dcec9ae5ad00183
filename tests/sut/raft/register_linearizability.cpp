#include "register_linearizability.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <unordered_set>

namespace faultline::raft::test {

std::string RegisterOp::describe() const {
  auto v = [](int64_t x) { return x == kNull ? std::string("nil") : std::to_string(x); };
  std::string s = kind == Read ? "read " + v(a) : kind == Write ? "write " + v(a)
                                                                : "cas " + v(a) + "->" + v(b);
  return s + " [" + std::to_string(invoke) + ", " +
         (complete == kNever ? std::string("info") : std::to_string(complete)) + "]";
}

LinearizabilityVerdict check_register(std::vector<RegisterOp> ops, std::size_t max_states) {
  std::sort(ops.begin(), ops.end(), [](auto& x, auto& y) { return x.invoke < y.invoke; });
  const std::size_t n = ops.size();
  std::size_t must = 0;
  for (auto& o : ops) must += o.complete != kNever;
  std::vector<bool> done(n, false);
  std::unordered_set<std::string> seen;
  std::size_t longest = 0;
  LinearizabilityVerdict verdict;

  auto key_of = [&](int64_t value) {
    std::string k(n + 8, '0');
    for (std::size_t i = 0; i < n; ++i) k[i] = done[i] ? '1' : '0';
    std::memcpy(k.data() + n, &value, 8);
    return k;
  };
  std::function<bool(int64_t, std::size_t)> dfs = [&](int64_t value, std::size_t linearized_ok) {
    if (linearized_ok == must) return true;
    longest = std::max(longest, linearized_ok);
    int64_t min_complete = kNever;
    for (std::size_t i = 0; i < n; ++i)
      if (!done[i]) min_complete = std::min(min_complete, ops[i].complete);
    for (std::size_t i = 0; i < n && ops[i].invoke < min_complete; ++i) {
      if (done[i]) continue;
      const RegisterOp& o = ops[i];
      int64_t next = value;
      if (o.kind == RegisterOp::Read) {
        if (o.a != value) continue;
      } else if (o.kind == RegisterOp::Write) {
        next = o.a;
      } else {
        if (value != o.a) continue;
        next = o.b;
      }
      done[i] = true;
      if (seen.size() >= max_states) {
        verdict.budget_exceeded = true;
        done[i] = false;
        return false;
      }
      bool fresh = seen.insert(key_of(next)).second;
      if (fresh && dfs(next, linearized_ok + (o.complete != kNever))) return true;
      done[i] = false;
      if (verdict.budget_exceeded) return false;
    }
    return false;
  };
  verdict.linearizable = dfs(kNull, 0);
  if (!verdict.linearizable && !verdict.budget_exceeded) {
    verdict.detail = "no linearization; longest prefix linearized " + std::to_string(longest) +
                     " of " + std::to_string(must) + " completed ops. History:";
    for (auto& o : ops) verdict.detail += "\n  " + o.describe();
  }
  return verdict;
}

std::vector<std::string> find_stale_reads(const std::vector<RegisterOp>& ops) {
  std::vector<std::string> out;
  auto written = [](const RegisterOp& o) { return o.kind == RegisterOp::Write ? o.a : o.b; };
  std::map<int64_t, const RegisterOp*> writer;  // value -> the op that wrote it
  for (const RegisterOp& o : ops)
    if (o.kind != RegisterOp::Read) writer[written(o)] = &o;
  for (const RegisterOp& r : ops) {
    if (r.kind != RegisterOp::Read || r.complete == kNever) continue;
    const RegisterOp* wv = nullptr;
    if (r.a != kNull) {
      auto it = writer.find(r.a);
      if (it == writer.end()) continue;  // a value nobody wrote: not this kind of anomaly
      wv = it->second;
      if (wv->complete == kNever) continue;  // may have taken effect late
    }
    for (const RegisterOp& w2 : ops) {
      if (w2.kind == RegisterOp::Read || w2.complete == kNever || written(w2) == r.a) continue;
      if (w2.complete >= r.invoke) continue;
      if (wv && wv->complete >= w2.invoke) continue;
      out.push_back(r.describe() + " after " + w2.describe() + " completed");
      break;
    }
  }
  return out;
}

}  // namespace faultline::raft::test
