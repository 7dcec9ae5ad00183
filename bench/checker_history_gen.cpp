#include "checker_history_gen.h"

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace faultline::bench {
namespace {

struct Pairing {
  std::vector<int64_t> completion;   // invocation position -> completion position, -1 none
};

Pairing pair_positions(const std::vector<Op>& ops) {
  Pairing p;
  p.completion.assign(ops.size(), -1);
  std::unordered_map<int64_t, size_t> open;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].type == OpType::Invoke) {
      open[ops[i].process] = i;
    } else if (auto it = open.find(ops[i].process); it != open.end()) {
      p.completion[it->second] = static_cast<int64_t>(i);
      open.erase(it);
    }
  }
  return p;
}

bool is_ok(const std::vector<Op>& ops, const Pairing& p, size_t inv) {
  return p.completion[inv] >= 0 && ops[static_cast<size_t>(p.completion[inv])].type == OpType::Ok;
}

// Stale read on `key`: the first ok get in the second half that saw an append completed before
// it was invoked now reads the value from before that append.
bool plant_stale_read(std::vector<Op>& ops, const Pairing& p, const Json& key) {
  for (size_t g = ops.size() / 2; g < ops.size(); ++g) {
    if (ops[g].type != OpType::Invoke || ops[g].f != "get" || ops[g].key != key) continue;
    if (!is_ok(ops, p, g)) continue;
    Op& done = ops[static_cast<size_t>(p.completion[g])];
    const std::string seen = done.value.get<std::string>();
    // The latest-completing append on key that completed before g was invoked.
    size_t cut = std::string::npos;
    int64_t latest = -1;
    for (size_t a = 0; a < g; ++a) {
      if (ops[a].type != OpType::Invoke || ops[a].f != "append" || ops[a].key != key) continue;
      if (!is_ok(ops, p, a) || p.completion[a] > static_cast<int64_t>(g)) continue;
      const size_t at = seen.find(ops[a].value.get<std::string>());
      if (at != std::string::npos && p.completion[a] > latest) {
        latest = p.completion[a];
        cut = at;
      }
    }
    if (cut == std::string::npos) continue;
    done.value = seen.substr(0, cut);
    return true;
  }
  return false;
}

// Lost append on `key`: the first ok append in the second half seen by a get invoked after it
// completed disappears from every get's value.
bool plant_lost_append(std::vector<Op>& ops, const Pairing& p, const Json& key) {
  for (size_t a = ops.size() / 2; a < ops.size(); ++a) {
    if (ops[a].type != OpType::Invoke || ops[a].f != "append" || ops[a].key != key) continue;
    if (!is_ok(ops, p, a)) continue;
    const std::string token = ops[a].value.get<std::string>();
    bool witnessed = false;
    for (size_t g = static_cast<size_t>(p.completion[a]) + 1; g < ops.size() && !witnessed; ++g) {
      witnessed = ops[g].type == OpType::Invoke && ops[g].f == "get" && ops[g].key == key &&
                  is_ok(ops, p, g) &&
                  ops[static_cast<size_t>(p.completion[g])].value.get<std::string>().find(token) !=
                      std::string::npos;
    }
    if (!witnessed) continue;
    for (size_t g = 0; g < ops.size(); ++g) {
      if (ops[g].type != OpType::Ok || ops[g].f != "get" || ops[g].key != key) continue;
      std::string v = ops[g].value.get<std::string>();
      const size_t at = v.find(token);
      if (at != std::string::npos) ops[g].value = v.erase(at, token.size());
    }
    return true;
  }
  return false;
}

}  // namespace

History generate_history(const GenSpec& spec) { return generate(spec).history; }

History hard_register_history(int writes) {
  std::vector<Op> ops;
  auto add = [&](int64_t process, OpType type, const char* f, Json value) {
    Op op;
    op.process = process;
    op.type = type;
    op.f = f;
    op.value = std::move(value);
    op.time_ns = static_cast<int64_t>(ops.size());
    ops.push_back(std::move(op));
  };
  for (int w = 0; w < writes; ++w) add(1 + w, OpType::Invoke, "write", w);
  for (int w = 0; w < writes; ++w) add(1 + w, OpType::Info, "write", w);
  for (int w = 0; w < writes; ++w) {
    add(0, OpType::Invoke, "read", nullptr);
    add(0, OpType::Ok, "read", w);
  }
  add(0, OpType::Invoke, "read", nullptr);
  add(0, OpType::Ok, "read", -1);
  return History(std::move(ops));
}

Generated generate(const GenSpec& spec) {
  std::mt19937_64 rng(spec.seed);
  auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
  const bool kv = spec.workload == GeneratedWorkload::KvAppendGet;
  std::vector<Json> state(static_cast<size_t>(spec.keys), kv ? Json("") : Json(nullptr));

  enum class Phase { Idle, Invoked, Applied };
  struct Client {
    int64_t process;
    Phase phase = Phase::Idle;
    Op op;           // the invocation
    Json result;
    int64_t seq = 0;
  };
  std::vector<Client> clients;
  int64_t next_process = 0;
  for (int c = 0; c < spec.clients; ++c) clients.push_back(Client{next_process++, Phase::Idle, Op{}, Json(), 0});

  std::vector<Op> ops;
  ops.reserve(static_cast<size_t>(spec.ops) * 2);
  int64_t invoked = 0, open = 0, tick = 0;
  while (invoked < spec.ops || open > 0) {
    Client& c = clients[static_cast<size_t>(pick(spec.clients))];
    ++tick;
    if (c.phase == Phase::Idle) {
      if (invoked >= spec.ops) continue;
      Op op;
      op.time_ns = tick;
      op.process = c.process;
      op.type = OpType::Invoke;
      const int64_t key = pick(spec.keys);
      op.key = kv ? Json(std::to_string(key)) : Json(key);
      if (pick(2) == 0) {
        op.f = kv ? "get" : "read";
      } else if (kv) {
        op.f = "append";
        op.value = "x " + std::to_string(c.process) + " " + std::to_string(c.seq++) + " y";
      } else {
        op.f = "write";
        op.value = pick(spec.value_range);
      }
      c.op = op;
      ops.push_back(std::move(op));
      c.phase = Phase::Invoked;
      ++invoked;
      ++open;
    } else if (c.phase == Phase::Invoked) {  // the linearization point
      Json& cur = state[static_cast<size_t>(kv ? std::stoll(c.op.key.get<std::string>())
                                               : c.op.key.get<int64_t>())];
      if (c.op.f == "get" || c.op.f == "read") {
        c.result = cur;
      } else if (kv) {
        cur = cur.get<std::string>() + c.op.value.get<std::string>();
        c.result = c.op.value;
      } else {
        cur = c.op.value;
        c.result = c.op.value;
      }
      c.phase = Phase::Applied;
    } else {
      Op done = c.op;
      done.time_ns = tick;
      done.value = c.result;
      const bool info = spec.info_percent > 0 && pick(100) < spec.info_percent;
      done.type = info ? OpType::Info : OpType::Ok;
      if (info && (done.f == "get" || done.f == "read")) done.value = nullptr;
      ops.push_back(std::move(done));
      c.phase = Phase::Idle;
      --open;
      if (info) c.process = next_process++;  // a process that got info is never reused
    }
  }
  Generated out;
  if (kv && spec.plant != PlantedBug::None) {
    const Pairing p = pair_positions(ops);
    for (int k = 0; k < spec.keys && out.planted < spec.plant_keys; ++k) {
      const Json key(std::to_string(k));
      const bool done = spec.plant == PlantedBug::StaleRead ? plant_stale_read(ops, p, key)
                                                            : plant_lost_append(ops, p, key);
      out.planted += done;
    }
  }
  out.history = History(std::move(ops));
  return out;
}

}  // namespace faultline::bench
