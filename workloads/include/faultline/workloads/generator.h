// Generator: decides which client op runs next, on which process, and when.
//
// Contract: a generator is pure. All its memory is GeneratorState, a plain copyable struct
// (the seeded RNG, counters, per-key rotation). next(config, state, ctx) looks only at its
// arguments, so the same config + seed fed the same sequence of contexts yields the same
// sequence of results: a run's schedule can be replayed exactly.
//
// Each call returns one of
//   ScheduleRecord  an op to invoke now on ctx.free_process (scheduled at time_ns);
//   Pending         nothing yet: wait until until_ns (rate limit) or, when waiting_for_process,
//                   until the caller has a free process;
//   Exhausted       the main phases ended (time limit) and the final phase was issued.
//
// Time is ns since test start, supplied by the caller (ctx.now_ns). Phases run back to back
// from time 0; an op belongs to the phase containing its scheduled time. With a rate, ops are
// scheduled at fixed (uniform) or exponential (Poisson) gaps from the previous scheduled time,
// independent of when the caller actually asks, so the schedule itself is replayable.
// Per-key independence follows Jepsen's `independent`: keys 0,1,2,... each receive at most
// ops_per_key ops, keys_in_flight of them at a time; a full key is replaced by the next one.
// The final phase issues each final template once per key used (once, keyless, otherwise);
// it has no rate limit and runs whatever the time limit.
// A caller that falls behind the rate gets the overdue ops at once (each keeps its scheduled
// time_ns), so up to the time limit the schedule does not depend on the caller's speed; the
// limit itself is checked against ctx.now_ns too (ops still overdue then are dropped). Process ids are the caller's:
// it starts with 0..concurrency-1 and replaces a process retired after `info` with a fresh id;
// the generator only uses the id it is given.
#pragma once
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include <faultline/core/op.h>

namespace faultline::workloads {

// splitmix64: tiny, fast, and its whole state is one word (so GeneratorState stays copyable).
struct Rng {
  uint64_t state = 0;
  uint64_t next_u64();
  double uniform01();                     // [0, 1)
  int64_t uniform_int(int64_t lo, int64_t hi);  // [lo, hi], requires lo <= hi
};

enum class ValueKind { None, NextUniqueInt, RandomInt, CasPair };

struct OpTemplate {
  std::string f;
  double weight = 1.0;
  ValueKind value = ValueKind::None;
  int64_t lo = 0;  // RandomInt / CasPair bounds, inclusive
  int64_t hi = 0;
};

struct Phase {
  std::vector<OpTemplate> mix;
  int64_t duration_ns = 0;
};

enum class Arrival { Uniform, Poisson };

struct GeneratorConfig {
  uint64_t seed = 0;
  int concurrency = 1;           // process ids 0..n-1 (the caller hands them out)
  double rate_per_s = 0.0;       // 0 = as fast as processes free up
  Arrival arrival = Arrival::Uniform;
  int64_t time_limit_ns = 0;     // 0 = the phases' total duration
  std::vector<Phase> phases;
  bool independent_keys = false;
  int64_t ops_per_key = 0;       // > 0 when independent_keys
  int keys_in_flight = 1;
  std::vector<OpTemplate> final_ops;  // weights ignored
};

struct GenContext {
  int64_t now_ns = 0;
  std::optional<int64_t> free_process;  // a process with no op in flight, if any
};

// One chosen op; also one line of schedule.jsonl.
struct ScheduleRecord {
  int64_t time_ns = 0;   // scheduled time
  int64_t process = 0;
  std::string f;
  Json value;            // null when the template has no value
  Json key;              // null unless independent_keys
  int phase = 0;         // index into config.phases; -1 = final phase
};

struct Pending {
  int64_t until_ns = 0;
  bool waiting_for_process = false;
};
struct Exhausted {};

using Step = std::variant<ScheduleRecord, Pending, Exhausted>;

struct KeySlot {
  int64_t key = -1;      // -1 = empty, takes the next key on its next op
  int64_t ops = 0;
};

struct GeneratorState {
  Rng rng;
  bool started = false;
  double next_time_ns = 0.0;     // scheduled time of the next main-phase op (exact, no drift)
  int64_t next_unique = 0;
  int64_t next_key = 0;          // keys 0..next_key-1 have been used
  std::vector<KeySlot> slots;
  bool in_final = false;
  int64_t final_emitted = 0;
  int64_t emitted = 0;
};

GeneratorState initial_state(const GeneratorConfig& config);
// Throws std::invalid_argument naming the bad field.
void validate(const GeneratorConfig& config);
// End of the main phases in ns: min(time_limit_ns, total phase duration) (either if one is 0).
int64_t main_end_ns(const GeneratorConfig& config);

Step next(const GeneratorConfig& config, GeneratorState& state, const GenContext& ctx);

// {"time":..,"process":..,"f":..,"value":..,"key"?:..,"phase":..}
Json schedule_record_to_json(const ScheduleRecord& r);
// One JSON object per line, in order.
void write_schedule_jsonl(std::ostream& out, const std::vector<ScheduleRecord>& records);

}  // namespace faultline::workloads
