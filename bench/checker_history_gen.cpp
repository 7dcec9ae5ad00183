#include "checker_history_gen.h"

#include <random>
#include <string>
#include <vector>

namespace faultline::bench {

History generate_history(const GenSpec& spec) {
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
  return History(std::move(ops));
}

}  // namespace faultline::bench
