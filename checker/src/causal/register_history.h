// Internal to the causal checkers: a register history compiled into sessions of integer events,
// the read-from relation, per-(key, session) write indexes and causal vector clocks.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultline/core/history.h"

namespace faultline::checker::causal {

inline constexpr uint32_t kInit = UINT32_MAX - 1;  // read-from of a read of the initial value
inline constexpr uint32_t kThin = UINT32_MAX;      // read-from of a value nobody wrote

struct Event {
  uint32_t session = 0;
  uint32_t pos = 0;        // index within its session
  bool is_write = false;
  uint32_t key = 0;
  int64_t value = 0;       // interned value id (0 = initial value)
  uint32_t op_pos = 0;     // history position of the op (the completion for reads)
  uint32_t read_from = kInit;  // reads: the write event read, kInit or kThin
};

class RegisterHistory {
 public:
  // Throws HistoryError if an op has an unrecognised shape. Duplicate written values are
  // reported through duplicate_write (non-empty message).
  static RegisterHistory compile(const History& h, const Json& initial_value);

  std::vector<Event> events;              // grouped by session, po order inside
  std::vector<uint32_t> session_begin;    // size sessions + 1
  std::vector<Json> key_names, values;    // id -> JSON
  std::string duplicate_write;
  History owned;                          // pairing copy when the input was unpaired
  const History* history = nullptr;

  uint32_t sessions() const { return static_cast<uint32_t>(session_begin.size() - 1); }
  uint32_t id(uint32_t session, uint32_t pos) const { return session_begin[session] + pos; }
  // Last write to `key` by `session` at a position < before_pos, or kInit if none.
  uint32_t last_write_before(uint32_t key, uint32_t session, uint32_t before_pos) const;
  // First write to key by session (kInit if none).
  uint32_t first_write(uint32_t key, uint32_t session) const;
  // History index (Op::index) of an event, for reports.
  int64_t op_index(uint32_t e) const;
  std::string describe(uint32_t e) const;  // "op 12 (process 3): read x=5"

 private:
  // (key, session, pos, event) sorted: writes per (key, session) in po order.
  struct WriteRef { uint32_t key, session, pos, event; };
  std::vector<WriteRef> writes_;
  friend class RegisterCompiler;
};

// Vector clocks of the causal past under po plus extra edges: clock(e)[q] = number of events of
// session q in e's past, e included. Computed in a Kahn order; returns false if the relation
// is cyclic (then `cyclic_nodes` lists events left on a cycle or after one).
struct CausalClocks {
  uint32_t k = 0;
  std::vector<uint32_t> clock;  // events.size() * k
  const uint32_t* of(uint32_t e) const { return clock.data() + static_cast<size_t>(e) * k; }
  uint32_t* of(uint32_t e) { return clock.data() + static_cast<size_t>(e) * k; }
};

// Edges: po, read_from, plus `extra` (pairs from -> to). Only events with in_scope (or all if
// empty) take part. Returns false when a cycle exists; `left` receives the events not ordered.
// `order`, when given, receives the Kahn order of the events in scope.
bool compute_clocks(const RegisterHistory& rh, const std::vector<std::pair<uint32_t, uint32_t>>& extra,
                    const std::vector<uint8_t>& in_scope, CausalClocks& out,
                    std::vector<uint32_t>& left, std::vector<uint32_t>* order = nullptr);

// a strictly before b in the relation the clocks describe.
inline bool before(const RegisterHistory& rh, const CausalClocks& c, uint32_t a, uint32_t b) {
  return a != b && c.of(b)[rh.events[a].session] > rh.events[a].pos;
}

// A shortest cycle among `nodes` over po, read_from and `extra` edges (event ids in order).
std::vector<uint32_t> find_event_cycle(const RegisterHistory& rh,
                                       const std::vector<std::pair<uint32_t, uint32_t>>& extra,
                                       const std::vector<uint32_t>& nodes);

}  // namespace faultline::checker::causal
