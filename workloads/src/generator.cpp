// Seeded, pure generator; see generator.h for the contract.
#include "faultline/workloads/generator.h"

#include <cmath>
#include <stdexcept>

namespace faultline::workloads {

uint64_t Rng::next_u64() {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double Rng::uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

int64_t Rng::uniform_int(int64_t lo, int64_t hi) {
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  if (span == 0) return static_cast<int64_t>(next_u64());  // full 64-bit range
  // Modulo bias is below 2^-40 for the spans workloads use; not worth a rejection loop.
  return lo + static_cast<int64_t>(next_u64() % span);
}

void validate(const GeneratorConfig& c) {
  auto bad = [](const std::string& what) { throw std::invalid_argument("generator config: " + what); };
  if (c.concurrency < 1) bad("concurrency must be >= 1");
  if (c.rate_per_s < 0 || !std::isfinite(c.rate_per_s)) bad("rate_per_s must be finite and >= 0");
  if (c.time_limit_ns < 0) bad("time_limit_ns must be >= 0");
  if (c.phases.empty()) bad("at least one phase is required");
  auto check_template = [&](const OpTemplate& t, const std::string& where) {
    if (t.f.empty()) bad(where + ": f is empty");
    if (!(t.weight >= 0) || !std::isfinite(t.weight)) bad(where + ": weight must be finite and >= 0");
    if ((t.value == ValueKind::RandomInt || t.value == ValueKind::CasPair) && t.lo > t.hi)
      bad(where + ": lo > hi");
  };
  for (size_t i = 0; i < c.phases.size(); ++i) {
    const auto where = "phase " + std::to_string(i);
    if (c.phases[i].duration_ns <= 0) bad(where + ": duration_ns must be > 0");
    if (c.phases[i].mix.empty()) bad(where + ": mix is empty");
    double total = 0;
    for (const auto& t : c.phases[i].mix) {
      check_template(t, where);
      total += t.weight;
    }
    if (total <= 0) bad(where + ": weights sum to 0");
  }
  for (const auto& t : c.final_ops) check_template(t, "final op");
  if (c.independent_keys) {
    if (c.ops_per_key < 1) bad("ops_per_key must be >= 1 with independent_keys");
    if (c.keys_in_flight < 1) bad("keys_in_flight must be >= 1 with independent_keys");
  }
}

int64_t main_end_ns(const GeneratorConfig& c) {
  int64_t total = 0;
  for (const auto& p : c.phases) total += p.duration_ns;
  if (c.time_limit_ns > 0 && c.time_limit_ns < total) return c.time_limit_ns;
  return total;
}

GeneratorState initial_state(const GeneratorConfig& c) {
  validate(c);
  GeneratorState s;
  s.rng.state = c.seed;
  if (c.independent_keys) s.slots.assign(static_cast<size_t>(c.keys_in_flight), KeySlot{});
  return s;
}

namespace {

Json make_value(const OpTemplate& t, GeneratorState& s) {
  switch (t.value) {
    case ValueKind::None: return nullptr;
    case ValueKind::NextUniqueInt: return s.next_unique++;
    case ValueKind::RandomInt: return s.rng.uniform_int(t.lo, t.hi);
    case ValueKind::CasPair: {
      const int64_t from = s.rng.uniform_int(t.lo, t.hi);
      return Json::array({from, s.rng.uniform_int(t.lo, t.hi)});
    }
  }
  return nullptr;
}

const OpTemplate& pick(const std::vector<OpTemplate>& mix, Rng& rng) {
  double total = 0;
  for (const auto& t : mix) total += t.weight;
  double x = rng.uniform01() * total;
  for (const auto& t : mix) {
    if (t.weight <= 0) continue;
    if (x < t.weight) return t;
    x -= t.weight;
  }
  // Rounding left x just above the last positive weight: that template is the right answer.
  for (auto it = mix.rbegin(); it != mix.rend(); ++it)
    if (it->weight > 0) return *it;
  throw std::logic_error("generator: mix without positive weight (validate() was skipped)");
}

int phase_at(const GeneratorConfig& c, int64_t t_ns) {
  int64_t start = 0;
  for (size_t i = 0; i < c.phases.size(); ++i) {
    start += c.phases[i].duration_ns;
    if (t_ns < start) return static_cast<int>(i);
  }
  return static_cast<int>(c.phases.size()) - 1;
}

double gap_ns(const GeneratorConfig& c, Rng& rng) {
  const double mean = 1e9 / c.rate_per_s;
  if (c.arrival == Arrival::Uniform) return mean;
  return -std::log(1.0 - rng.uniform01()) * mean;  // 1-u in (0,1]: log is finite
}

Json take_key(const GeneratorConfig& c, GeneratorState& s) {
  if (!c.independent_keys) return nullptr;
  auto& slot = s.slots[static_cast<size_t>(s.rng.uniform_int(0, c.keys_in_flight - 1))];
  if (slot.key < 0) slot = KeySlot{s.next_key++, 0};
  const int64_t key = slot.key;
  if (++slot.ops >= c.ops_per_key) slot = KeySlot{};  // full: the next op here starts a new key
  return key;
}

Step next_final(const GeneratorConfig& c, GeneratorState& s, const GenContext& ctx) {
  const int64_t per_key = static_cast<int64_t>(c.final_ops.size());
  const int64_t keys = c.independent_keys ? s.next_key : 1;
  if (s.final_emitted >= per_key * keys) return Exhausted{};
  if (!ctx.free_process) return Pending{ctx.now_ns, true};
  const auto& t = c.final_ops[static_cast<size_t>(s.final_emitted % per_key)];
  ScheduleRecord r;
  r.time_ns = ctx.now_ns;
  r.process = *ctx.free_process;
  r.f = t.f;
  r.value = make_value(t, s);
  if (c.independent_keys) r.key = s.final_emitted / per_key;
  r.phase = -1;
  ++s.final_emitted;
  ++s.emitted;
  return r;
}

}  // namespace

Step next(const GeneratorConfig& c, GeneratorState& s, const GenContext& ctx) {
  if (s.in_final) return next_final(c, s, ctx);
  if (!s.started) {
    s.started = true;
    s.next_time_ns = 0.0;
  }
  const int64_t end = main_end_ns(c);
  // Without a rate the op is due now; with one it is due at its scheduled time.
  const int64_t due_ns = c.rate_per_s > 0 ? static_cast<int64_t>(std::llround(s.next_time_ns)) : ctx.now_ns;
  if (due_ns >= end || ctx.now_ns >= end) {
    s.in_final = true;
    return next_final(c, s, ctx);
  }
  if (ctx.now_ns < due_ns) return Pending{due_ns, false};
  if (!ctx.free_process) return Pending{ctx.now_ns, true};

  ScheduleRecord r;
  r.time_ns = due_ns;
  r.process = *ctx.free_process;
  r.phase = phase_at(c, due_ns);
  const auto& t = pick(c.phases[static_cast<size_t>(r.phase)].mix, s.rng);
  r.f = t.f;
  r.value = make_value(t, s);
  r.key = take_key(c, s);
  if (c.rate_per_s > 0) s.next_time_ns += gap_ns(c, s.rng);
  ++s.emitted;
  return r;
}

Json schedule_record_to_json(const ScheduleRecord& r) {
  Json j = {{"time", r.time_ns}, {"process", r.process}, {"f", r.f}, {"value", r.value}};
  if (!r.key.is_null()) j["key"] = r.key;
  j["phase"] = r.phase;
  return j;
}

void write_schedule_jsonl(std::ostream& out, const std::vector<ScheduleRecord>& records) {
  for (const auto& r : records) out << schedule_record_to_json(r).dump() << '\n';
}

}  // namespace faultline::workloads
