// Property test: the linearizability and sequential searches agree with a brute-force oracle
// (enumerate every order of every subset of the indeterminate ops) on thousands of small random
// histories (1-8 ops, and 8-14 ops, with info, fail and pending ops and crashed processes),
// valid ones and mutated invalid ones, for the register, cas-register, kv and multi-register
// models, and for append-heavy kv histories (the kv model's can_reach pruning: reads that a
// grown value can no longer satisfy, puts that reset it). Both the fast path (pruning on) and
// the previous search (pruning off) are checked. The oracle simulates the data types
// itself over JSON, sharing no code with the models. Every valid witness goes through the
// independent verifier. A failure prints the seed and the history.
#include <catch2/catch.hpp>

#include <functional>
#include <limits>
#include <map>
#include <random>

#include "linearizability_test_util.h"

using namespace faultline;
using namespace faultline::checker;
using namespace faultline::checker::testing;

namespace {

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

// ---- The oracle's own data-type semantics, over JSON state (an object of key -> value). ----

bool same_kv(const Json& a, const Json& b) {  // kv: absent == "" == null
  auto norm = [](const Json& v) { return v.is_null() ? Json("") : v; };
  return norm(a) == norm(b);
}

// Applies op (invocation + ok completion or null) to state; false if illegal.
bool apply(const std::string& model, Json& state, const Op& inv, const Op* ok) {
  const std::string key = inv.key.is_null() ? "_" : inv.key.get<std::string>();
  Json& cur = state[key];
  const std::string& f = inv.f;
  if (model == "register" || model == "cas-register") {
    if (f == "read") return !ok || ok->value == cur;
    if (f == "write") { cur = inv.value; return true; }
    if (f == "cas") {
      if (cur != inv.value[0]) return false;
      cur = inv.value[1];
      return true;
    }
  } else if (model == "kv") {
    if (f == "get") return !ok || same_kv(ok->value, cur);
    if (f == "put") { cur = inv.value; return true; }
    if (f == "append") {
      cur = (cur.is_null() ? std::string() : cur.get<std::string>()) + inv.value.get<std::string>();
      return true;
    }
    if (f == "cas") {
      if (!same_kv(cur, inv.value[0])) return false;
      cur = inv.value[1];
      return true;
    }
  } else if (model == "multi-register") {
    // Registers start unknown: the first read of a never-written register fixes its value.
    const Json& mops = ok ? ok->value : inv.value;
    for (const Json& m : mops) {
      const std::string k = "reg:" + m[1].get<std::string>();
      if (m[0] == "read") {
        if (!ok || m[2].is_null()) continue;
        if (!state.contains(k)) {
          state[k] = m[2];
        } else if (state[k] != m[2]) {
          return false;
        }
      } else {
        state[k] = m[2];
      }
    }
    return true;
  }
  FAIL("oracle does not know " << model << " " << f);
  return false;
}

struct OracleOp {
  size_t inv;
  int64_t ret;     // ok completion position or kForever
  int64_t process;
  bool ok;
};

bool oracle(const History& h, const std::string& model, Consistency c) {
  std::vector<OracleOp> ops;
  for (size_t i = 0; i < h.size(); ++i) {
    if (h[i].type != OpType::Invoke) continue;
    const int64_t comp = h.completion(i);
    if (comp >= 0 && h[static_cast<size_t>(comp)].type == OpType::Fail) continue;
    const bool ok = comp >= 0 && h[static_cast<size_t>(comp)].type == OpType::Ok;
    ops.push_back({i, ok ? comp : kForever, h.logical_process(i), ok});
  }
  std::vector<bool> placed(ops.size(), false);
  std::function<bool(const Json&)> dfs = [&](const Json& state) {
    bool all_ok_placed = true;
    for (size_t k = 0; k < ops.size(); ++k) all_ok_placed &= placed[k] || !ops[k].ok;
    if (all_ok_placed) return true;
    for (size_t k = 0; k < ops.size(); ++k) {
      if (placed[k]) continue;
      bool allowed = true;
      for (size_t j = 0; j < ops.size() && allowed; ++j) {
        if (placed[j] || j == k) continue;
        if (c == Consistency::Linearizable) {
          allowed = !(ops[j].ret < static_cast<int64_t>(ops[k].inv));
        } else {
          allowed = !(ops[j].process == ops[k].process && ops[j].inv < ops[k].inv);
        }
      }
      if (!allowed) continue;
      Json next = state;
      const Op* ok = ops[k].ok ? &h[static_cast<size_t>(ops[k].ret)] : nullptr;
      if (!apply(model, next, h[ops[k].inv], ok)) continue;
      placed[k] = true;
      const bool found = dfs(next);
      placed[k] = false;
      if (found) return true;
    }
    return false;
  };
  return dfs(Json::object());
}

// ---- Random histories: a real object executed at random linearization points, then mutated. ----

struct Gen {
  std::mt19937_64 rng;
  std::string model;
  bool append_heavy = false;   // kv: mostly get / append, few puts, no cas
  explicit Gen(uint64_t seed, std::string m) : rng(seed), model(std::move(m)) {
    if (model == "kv-append") {
      model = "kv";
      append_heavy = true;
    }
  }
  int pick(int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); }
  bool chance(int percent) { return pick(100) < percent; }

  Json value() {
    if (model == "kv" && append_heavy) {
      static const char* const kPieces[] = {"a", "b", "ab"};  // same strings, different paths
      return Json(kPieces[pick(3)]);
    }
    if (model == "kv") return Json(std::string(1, static_cast<char>('a' + pick(2))));
    return Json(pick(3));
  }
  Op invocation(int64_t p) {
    Op op;
    op.process = p;
    op.type = OpType::Invoke;
    if (model == "register" || model == "cas-register") {
      const int k = pick(model == "register" ? 2 : 3);
      op.f = k == 0 ? "read" : k == 1 ? "write" : "cas";
      if (k == 1) op.value = value();
      if (k == 2) op.value = Json::array({value(), value()});
    } else if (model == "kv") {
      const int r = pick(10);
      const int k = !append_heavy ? pick(4) : r < 4 ? 0 : r < 9 ? 2 : 1;
      op.f = k == 0 ? "get" : k == 1 ? "put" : k == 2 ? "append" : "cas";
      op.key = pick(2) ? "x" : "y";
      if (k == 1 || k == 2) op.value = value();
      if (k == 3) op.value = Json::array({pick(2) ? Json("") : value(), value()});
    } else {
      op.f = "txn";
      op.value = Json::array();
      const int n = 1 + pick(2);
      for (int i = 0; i < n; ++i) {
        const bool read = chance(50);
        op.value.push_back(Json::array({read ? "read" : "write", pick(2) ? "x" : "y",
                                        read ? Json(nullptr) : value()}));
      }
    }
    return op;
  }

  History history(int max_ops) {
    struct Open {
      Op inv;
      bool applied = false;
      bool failed = false;  // applied but its precondition did not hold (cas mismatch)
      Json result;
    };
    Json state = Json::object();
    std::map<int64_t, Open> open;
    History h;
    int invoked = 0;
    int64_t next_process = 0;
    const int procs = 1 + pick(3);
    std::vector<int64_t> proc_ids;
    for (int i = 0; i < procs; ++i) proc_ids.push_back(next_process++);
    while (invoked < max_ops || !open.empty()) {
      const int action = pick(3);
      if (action == 0 && invoked < max_ops) {
        const int64_t p = proc_ids[static_cast<size_t>(pick(procs))];
        if (open.count(p)) continue;
        Op inv = invocation(p);
        h.add(inv);
        open[p] = Open{inv, false, false, Json()};
        ++invoked;
      } else if (action == 1 && !open.empty()) {  // a linearization point
        auto it = std::next(open.begin(), pick(static_cast<int>(open.size())));
        Open& o = it->second;
        if (o.applied) continue;
        o.applied = true;
        Op fake_ok = o.inv;
        fake_ok.type = OpType::Ok;
        if (o.inv.f == "read" || o.inv.f == "get") {
          const std::string key = o.inv.key.is_null() ? "_" : o.inv.key.get<std::string>();
          o.result = state[key];
          if (model == "kv" && o.result.is_null()) o.result = "";
        } else if (o.inv.f == "txn") {
          o.result = o.inv.value;
          for (Json& m : o.result) {
            const std::string k = "reg:" + m[1].get<std::string>();
            if (m[0] == "read") m[2] = state.contains(k) ? state[k] : Json(nullptr);
          }
        } else {
          o.result = o.inv.value;
        }
        fake_ok.value = o.result;
        Json next = state;
        if (apply(model, next, o.inv, &fake_ok)) {
          state = next;
        } else {
          o.failed = true;
        }
      } else if (action == 2 && !open.empty()) {  // a completion
        auto it = std::next(open.begin(), pick(static_cast<int>(open.size())));
        Open& o = it->second;
        Op c = o.inv;
        c.value = o.applied ? o.result : o.inv.value;
        if (!o.applied || o.failed) {
          if (!o.applied && chance(50)) continue;  // wait for it to happen
          c.type = chance(60) ? OpType::Fail : OpType::Info;
        } else {
          c.type = chance(85) ? OpType::Ok : OpType::Info;
        }
        if (c.type == OpType::Info && chance(30)) {
          // Leave it pending: no completion, and the process is never reused.
        } else {
          h.add(c);
        }
        if (c.type == OpType::Info) {
          for (auto& id : proc_ids) {
            if (id == it->first) id = next_process++;
          }
        }
        open.erase(it);
      }
    }
    return h;
  }

  // Changes one observed value or one order so that the history is (likely) invalid.
  void mutate(History& h) {
    auto& ops = h.mutable_ops();
    std::vector<size_t> candidates;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].type == OpType::Ok) candidates.push_back(i);
    }
    if (candidates.empty()) return;
    Op& op = ops[candidates[static_cast<size_t>(pick(static_cast<int>(candidates.size())))]];
    if (op.f == "read" || op.f == "get") {
      op.value = value();
    } else if (op.f == "txn") {
      for (Json& m : op.value) {
        if (m[0] == "read") m[2] = value();
      }
    } else if (op.f == "cas") {
      op.value[0] = value();
    } else {
      op.value = value();  // a write/put/append whose completion disagrees: harmless
    }
  }
};

std::string dump(const History& h) {
  std::string s;
  for (const Op& op : h.ops()) s += op_to_json(op).dump() + "\n";
  return s;
}

void run_property(const std::string& model, int histories, uint64_t base_seed, int min_ops = 1,
                  int max_ops = 8) {
  const std::string model_name = model == "kv-append" ? "kv" : model;
  auto m = make_model(model_name);
  REQUIRE(m);
  int valid[2] = {0, 0}, invalid[2] = {0, 0};
  for (int i = 0; i < histories; ++i) {
    const uint64_t seed = base_seed + static_cast<uint64_t>(i);
    Gen g(seed, model);
    History h = g.history(min_ops + g.pick(max_ops - min_ops + 1));
    if (g.chance(50)) g.mutate(h);
    h.pair();
    for (Consistency c : {Consistency::Linearizable, Consistency::Sequential}) {
      INFO("model " << model << " seed " << seed << " " << to_string(c) << "\n" << dump(h));
      const bool expected = oracle(h, g.model, c);
      for (bool prune : {true, false}) {
        INFO("prune " << prune);
        ConsistencyOptions o;
        o.prune = prune;
        o.threads = 1;
        Verdict got = Verdict::Unknown;
        REQUIRE_NOTHROW(got = check_and_verify(h, model_name, c, o));
        REQUIRE(got == (expected ? Verdict::Valid : Verdict::Invalid));
      }
      const int ci = c == Consistency::Linearizable ? 0 : 1;
      (expected ? valid : invalid)[ci]++;
    }
  }
  // The generator must exercise both outcomes.
  CHECK(valid[0] > histories / 10);
  CHECK(invalid[0] > histories / 20);
  CHECK(valid[1] > histories / 10);
}

}  // namespace

TEST_CASE("oracle: register") { run_property("register", 3000, 1000); }
TEST_CASE("oracle: cas-register") { run_property("cas-register", 3000, 2000000); }
TEST_CASE("oracle: kv") { run_property("kv", 3000, 3000000); }
TEST_CASE("oracle: multi-register") { run_property("multi-register", 3000, 4000000); }
TEST_CASE("oracle: kv append-heavy") { run_property("kv-append", 3000, 5000000); }
// Longer histories: 8-14 ops.
TEST_CASE("oracle 8-14 ops: register") { run_property("register", 1000, 6000000, 8, 14); }
TEST_CASE("oracle 8-14 ops: cas-register") { run_property("cas-register", 1000, 7000000, 8, 14); }
TEST_CASE("oracle 8-14 ops: kv") { run_property("kv", 1500, 8000000, 8, 14); }
TEST_CASE("oracle 8-14 ops: kv append-heavy") { run_property("kv-append", 3000, 9000000, 8, 14); }
