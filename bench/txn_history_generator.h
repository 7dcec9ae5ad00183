// Generators of large histories for the transactional and causal benchmarks (seeded).
//
// list_append_history: a strict-serializable list-append history. `concurrency` processes keep
// txns in flight; a txn takes effect atomically when it completes (inside its invoke..complete
// window). 1-5 micro-ops each, reads and appends on a sliding window of active keys; a key is
// retired after `appends_per_key` appends (as Elle's generators do), so reads stay short.
#pragma once
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "faultline/core/history.h"

namespace faultline::bench {

inline History list_append_history(int64_t txns, uint64_t seed, int concurrency = 10,
                                   int active_keys = 1000, int appends_per_key = 16) {
  std::mt19937_64 rng(seed);
  History h;
  h.mutable_ops().reserve(static_cast<size_t>(txns) * 2);
  struct Key { int64_t id; std::vector<int64_t> list; };
  std::vector<Key> keys(static_cast<size_t>(active_keys));
  int64_t next_key = 0;
  for (auto& k : keys) k.id = next_key++;
  struct Flight { int64_t process; Json mops; size_t invoke_pos; };
  std::deque<Flight> flight;
  int64_t started = 0;
  auto complete_oldest = [&] {
    Flight f = std::move(flight.front());
    flight.pop_front();
    for (auto& m : f.mops) {
      const size_t slot = m[1].get<size_t>();
      Key& k = keys[slot];
      m[1] = k.id;
      if (m[0] == "r") {
        m[2] = k.list;
      } else {
        const int64_t v = static_cast<int64_t>(k.list.size()) + 1;
        k.list.push_back(v);
        m[2] = v;
        if (static_cast<int>(k.list.size()) >= appends_per_key) {
          k.id = next_key++;
          k.list.clear();
        }
      }
    }
    // The invocation carries the same micro-ops with reads unknown, as Jepsen records them.
    Json inv_value = f.mops;
    for (auto& m : inv_value)
      if (m[0] == "r") m[2] = nullptr;
    h.mutable_ops()[f.invoke_pos].value = std::move(inv_value);
    Op done;
    done.process = f.process;
    done.type = OpType::Ok;
    done.f = "txn";
    done.value = std::move(f.mops);
    h.add(std::move(done));
  };
  std::uniform_int_distribution<int> nmops(1, 5), coin(0, 1);
  std::uniform_int_distribution<size_t> key(0, keys.size() - 1);
  while (started < txns || !flight.empty()) {
    if (started < txns && static_cast<int>(flight.size()) < concurrency) {
      Json mops = Json::array();
      const int n = nmops(rng);
      for (int i = 0; i < n; ++i) {
        // The key slot is resolved when the txn takes effect (at completion).
        mops.push_back(Json::array({coin(rng) ? "r" : "append", key(rng), nullptr}));
      }
      Op inv;
      inv.process = started % concurrency;
      inv.type = OpType::Invoke;
      inv.f = "txn";
      const size_t pos = h.size();
      h.add(std::move(inv));
      flight.push_back({started % concurrency, std::move(mops), pos});
      ++started;
    } else {
      complete_oldest();
    }
  }
  h.pair();
  return h;
}

}  // namespace faultline::bench

namespace faultline::bench {

// A causally consistent (in fact sequentially consistent) key-value register history: one
// store, `sessions` processes taking turns at random, half reads, half writes of unique values.
inline History causal_register_history(int64_t ops, uint64_t seed, int sessions = 10,
                                       int keys = 100) {
  std::mt19937_64 rng(seed);
  History h;
  h.mutable_ops().reserve(static_cast<size_t>(ops) * 2);
  std::vector<int64_t> store(static_cast<size_t>(keys), -1);
  int64_t next = 0;
  for (int64_t i = 0; i < ops; ++i) {
    const int64_t p = static_cast<int64_t>(rng() % static_cast<uint64_t>(sessions));
    const size_t k = rng() % static_cast<uint64_t>(keys);
    const bool write = rng() % 2 == 0;
    Op inv;
    inv.process = p;
    inv.type = OpType::Invoke;
    inv.f = write ? "write" : "read";
    inv.key = static_cast<int64_t>(k);
    if (write) {
      store[k] = ++next;
      inv.value = next;
    }
    Op done = inv;
    done.type = OpType::Ok;
    if (!write) done.value = store[k] < 0 ? Json(nullptr) : Json(store[k]);
    h.add(std::move(inv));
    h.add(std::move(done));
  }
  h.pair();
  return h;
}

}  // namespace faultline::bench
