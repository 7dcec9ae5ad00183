// Brute-force oracle: see oracle.h. Deliberately naive; clarity over speed.
#include "oracle.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace faultline::test {

namespace {

std::string bare(std::string_view f) {
  if (!f.empty() && f.front() == ':') f.remove_prefix(1);
  return std::string(f);
}

int64_t as_int(const Json& v, const char* what) {
  if (!v.is_number_integer()) throw std::runtime_error(std::string("oracle: ") + what +
                                                       " must be an integer, got " + v.dump());
  return v.get<int64_t>();
}

// The value an op's effect depends on: its input, or for ok ops with an output, the output.
const Json& effective(const OracleOp& op) {
  return op.outcome == OracleOutcome::Ok && !op.output.is_null() ? op.output : op.input;
}

}  // namespace

std::vector<OracleOp> oracle_ops(const History& history) {
  std::vector<OracleOp> out;
  std::map<int64_t, size_t> open;         // process -> index in out of its open invocation
  std::map<int64_t, int64_t> logical;     // process -> current logical id
  std::set<int64_t> retired;              // processes whose last op ended in info
  int64_t next_fresh = 1'000'000;
  const auto& ops = history.ops();
  for (size_t pos = 0; pos < ops.size(); ++pos) {
    const Op& op = ops[pos];
    if (op.is_nemesis()) continue;
    if (op.type == OpType::Invoke) {
      if (open.count(op.process)) {
        throw std::runtime_error("oracle: process " + std::to_string(op.process) +
                                 " invokes twice at position " + std::to_string(pos));
      }
      if (!logical.count(op.process)) logical[op.process] = op.process;
      if (retired.erase(op.process)) logical[op.process] = next_fresh++;
      OracleOp o;
      o.process = logical[op.process];
      o.f = bare(op.f);
      o.input = op.value;
      o.invoke_pos = pos;
      o.invoke_index = op.index;
      open[op.process] = out.size();
      out.push_back(std::move(o));
      continue;
    }
    auto it = open.find(op.process);
    if (it == open.end()) {
      throw std::runtime_error("oracle: completion without invocation at position " +
                               std::to_string(pos));
    }
    OracleOp& o = out[it->second];
    o.complete_pos = pos;
    if (op.type == OpType::Ok) {
      o.outcome = OracleOutcome::Ok;
      o.output = op.value;
    } else if (op.type == OpType::Fail) {
      o.outcome = OracleOutcome::Fail;
    } else {
      o.outcome = OracleOutcome::Info;
      retired.insert(op.process);
    }
    open.erase(it);
  }
  return out;
}

RefState reference_init(std::string_view model) {
  if (model == "counter") return {0};
  if (model == "mutex") return {0};
  if (model == "set" || model == "fifo-queue" || model == "unordered-queue") return {};
  throw std::runtime_error("oracle: unknown model " + std::string(model));
}

std::vector<RefState> reference_step(std::string_view model, const RefState& s,
                                     const OracleOp& op) {
  const bool ok = op.outcome == OracleOutcome::Ok;
  const Json& v = effective(op);
  if (model == "counter") {
    if (op.f == "add") return {{s[0] + as_int(op.input, "counter add")}};
    if (op.f == "read") {
      if (!ok || v.is_null()) return {s};
      return as_int(v, "counter read") == s[0] ? std::vector<RefState>{s}
                                               : std::vector<RefState>{};
    }
  } else if (model == "mutex") {
    if (op.f == "acquire") return s[0] == 0 ? std::vector<RefState>{{1}} : std::vector<RefState>{};
    if (op.f == "release") return s[0] == 1 ? std::vector<RefState>{{0}} : std::vector<RefState>{};
  } else if (model == "set") {
    if (op.f == "add") {
      std::set<int64_t> m(s.begin(), s.end());
      m.insert(as_int(op.input, "set add"));
      return {RefState(m.begin(), m.end())};
    }
    if (op.f == "read") {
      if (!ok || v.is_null()) return {s};
      std::set<int64_t> seen;
      for (const Json& x : v) seen.insert(as_int(x, "set read element"));
      return RefState(seen.begin(), seen.end()) == s ? std::vector<RefState>{s}
                                                      : std::vector<RefState>{};
    }
  } else if (model == "fifo-queue") {
    if (op.f == "enqueue") {
      RefState n = s;
      n.push_back(as_int(op.input, "enqueue"));
      return {n};
    }
    if (op.f == "dequeue") {
      if (!ok) {  // unknown output: takes the head, if there is one
        if (s.empty()) return {};
        return {RefState(s.begin() + 1, s.end())};
      }
      if (op.output.is_null()) return s.empty() ? std::vector<RefState>{s}
                                                : std::vector<RefState>{};
      if (s.empty() || s.front() != as_int(op.output, "dequeue")) return {};
      return {RefState(s.begin() + 1, s.end())};
    }
  } else if (model == "unordered-queue") {
    if (op.f == "enqueue") {
      RefState n = s;
      n.push_back(as_int(op.input, "enqueue"));
      std::sort(n.begin(), n.end());
      return {n};
    }
    if (op.f == "dequeue") {
      std::vector<RefState> nexts;
      if (!ok) {  // unknown output: any one element may have gone
        std::set<int64_t> distinct(s.begin(), s.end());
        for (int64_t x : distinct) {
          RefState n = s;
          n.erase(std::find(n.begin(), n.end(), x));
          nexts.push_back(std::move(n));
        }
        return nexts;
      }
      if (op.output.is_null()) return s.empty() ? std::vector<RefState>{s}
                                                : std::vector<RefState>{};
      auto it = std::find(s.begin(), s.end(), as_int(op.output, "dequeue"));
      if (it == s.end()) return {};
      RefState n = s;
      n.erase(n.begin() + (it - s.begin()));
      return {n};
    }
  } else {
    throw std::runtime_error("oracle: unknown model " + std::string(model));
  }
  throw std::runtime_error("oracle: model " + std::string(model) + " has no op " + op.f);
}

namespace {

// must_precede[i] = ops that have to be placed before op i.
std::vector<std::vector<size_t>> precedence(const std::vector<OracleOp>& ops,
                                            OracleConsistency c) {
  std::vector<std::vector<size_t>> before(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    for (size_t j = 0; j < ops.size(); ++j) {
      if (i == j || ops[j].outcome != OracleOutcome::Ok) continue;
      const bool rt = ops[j].complete_pos < ops[i].invoke_pos;
      const bool po = ops[j].process == ops[i].process && ops[j].invoke_pos < ops[i].invoke_pos;
      if (c == OracleConsistency::Linearizable ? rt : po) before[i].push_back(j);
    }
  }
  return before;
}

struct Search {
  std::string_view model;
  const std::vector<OracleOp>& ops;
  std::vector<std::vector<size_t>> before;
  std::vector<bool> placed;
  size_t ok_left = 0;

  bool dfs(const RefState& s) {
    if (ok_left == 0) return true;  // remaining info ops may simply never have happened
    for (size_t i = 0; i < ops.size(); ++i) {
      if (placed[i] || ops[i].outcome == OracleOutcome::Fail) continue;
      bool ready = true;
      for (size_t j : before[i]) ready = ready && placed[j];
      if (!ready) continue;
      const auto nexts = reference_step(model, s, ops[i]);
      if (nexts.empty()) continue;
      placed[i] = true;
      if (ops[i].outcome == OracleOutcome::Ok) --ok_left;
      for (const RefState& n : nexts) {
        if (dfs(n)) return true;
      }
      if (ops[i].outcome == OracleOutcome::Ok) ++ok_left;
      placed[i] = false;
    }
    return false;
  }
};

}  // namespace

bool oracle_check(std::string_view model, const History& history, OracleConsistency c) {
  const auto ops = oracle_ops(history);
  Search search{model, ops, precedence(ops, c), std::vector<bool>(ops.size(), false), 0};
  for (const auto& op : ops) search.ok_left += op.outcome == OracleOutcome::Ok;
  return search.dfs(reference_init(model));
}

namespace {

std::optional<std::string> replay(std::string_view model, const History& history,
                                  OracleConsistency c, const std::vector<int64_t>& invoke_positions,
                                  bool complete) {
  const auto ops = oracle_ops(history);
  std::map<int64_t, size_t> by_pos;
  for (size_t i = 0; i < ops.size(); ++i) by_pos[static_cast<int64_t>(ops[i].invoke_pos)] = i;
  const auto before = precedence(ops, c);
  std::vector<bool> placed(ops.size(), false);
  // Nondeterministic steps: keep every reachable reference state.
  std::set<RefState> states{reference_init(model)};
  for (size_t k = 0; k < invoke_positions.size(); ++k) {
    const std::string where = "witness entry " + std::to_string(k) + " (history position " +
                              std::to_string(invoke_positions[k]) + ")";
    auto it = by_pos.find(invoke_positions[k]);
    if (it == by_pos.end()) return where + ": not an invocation of a client op";
    const size_t i = it->second;
    if (placed[i]) return where + ": op placed twice";
    if (ops[i].outcome == OracleOutcome::Fail) return where + ": a failed op cannot take effect";
    for (size_t j : before[i]) {
      if (!placed[j]) return where + ": placed before op index " +
                             std::to_string(ops[j].invoke_index) + " which must precede it";
    }
    std::set<RefState> nexts;
    for (const RefState& s : states) {
      for (RefState& n : reference_step(model, s, ops[i])) nexts.insert(std::move(n));
    }
    if (nexts.empty()) return where + ": illegal in the model state";
    states = std::move(nexts);
    placed[i] = true;
  }
  for (size_t i = 0; complete && i < ops.size(); ++i) {
    if (ops[i].outcome == OracleOutcome::Ok && !placed[i]) {
      return "ok op index " + std::to_string(ops[i].invoke_index) + " missing from witness";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> oracle_replay(std::string_view model, const History& history,
                                         OracleConsistency c,
                                         const std::vector<int64_t>& invoke_positions) {
  return replay(model, history, c, invoke_positions, true);
}

std::optional<std::string> oracle_replay_prefix(std::string_view model, const History& history,
                                                OracleConsistency c,
                                                const std::vector<int64_t>& invoke_positions) {
  return replay(model, history, c, invoke_positions, false);
}

}  // namespace faultline::test
