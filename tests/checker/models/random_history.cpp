// Random small histories for the model property tests: see random_history.h.
#include "random_history.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

#include "oracle.h"

namespace faultline::test {

namespace {

enum class Fate { Ok, Fail, InfoApplied, InfoNotApplied, PendingApplied, PendingNotApplied };

bool applies(Fate f) {
  return f == Fate::Ok || f == Fate::InfoApplied || f == Fate::PendingApplied;
}
bool completes(Fate f) { return f != Fate::PendingApplied && f != Fate::PendingNotApplied; }

struct GenOp {
  size_t slot = 0;
  int64_t process = 0;
  std::string f;
  Json input;
  Json output;
  Json error;
  Fate fate = Fate::Ok;
  bool linearized = false;
  bool open = true;
};

int64_t uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {  // [lo, hi]
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}
bool chance(std::mt19937_64& rng, double p) { return std::uniform_real_distribution<>(0, 1)(rng) < p; }

// Chooses the op name and input of a new invocation.
void choose_op(std::string_view model, std::mt19937_64& rng, const HistoryShape& shape,
               GenOp& op) {
  const int64_t v = uniform(rng, 0, shape.value_range - 1);
  const bool write = chance(rng, 0.55);
  if (model == "counter") {
    op.f = write ? "add" : "read";
    if (write) op.input = v - 1;  // -1 .. range-2: negative deltas too
  } else if (model == "set") {
    op.f = write ? "add" : "read";
    if (write) op.input = v;
  } else if (model == "fifo-queue" || model == "unordered-queue") {
    op.f = write ? "enqueue" : "dequeue";
    if (write) op.input = v;
  } else if (model == "mutex") {
    op.f = chance(rng, 0.5) ? "acquire" : "release";
  } else {
    throw std::runtime_error("generator: unknown model " + std::string(model));
  }
}

// The op takes effect now: updates the reference state and computes its output. Returns false
// if the op is illegal in this state (it then fails instead of taking effect).
bool take_effect(std::string_view model, std::mt19937_64& rng, RefState& s, GenOp& op) {
  if (model == "counter") {
    if (op.f == "add") s[0] += op.input.get<int64_t>();
    else op.output = s[0];
    return true;
  }
  if (model == "set") {
    if (op.f == "add") {
      std::set<int64_t> m(s.begin(), s.end());
      m.insert(op.input.get<int64_t>());
      s.assign(m.begin(), m.end());
    } else {
      std::vector<int64_t> seen = s;
      std::shuffle(seen.begin(), seen.end(), rng);  // read order does not matter for a set
      op.output = seen;
    }
    return true;
  }
  if (model == "fifo-queue" || model == "unordered-queue") {
    if (op.f == "enqueue") {
      s.push_back(op.input.get<int64_t>());
      return true;
    }
    if (s.empty()) {
      op.output = nullptr;  // an ok dequeue that saw the queue empty
      return true;
    }
    const size_t at = model == "fifo-queue" ? 0 : static_cast<size_t>(uniform(rng, 0, s.size() - 1));
    op.output = s[at];
    s.erase(s.begin() + static_cast<std::ptrdiff_t>(at));
    return true;
  }
  // mutex
  if (op.f == "acquire") {
    if (s[0] != 0) { op.error = "already-held"; return false; }
    s[0] = 1;
  } else {
    if (s[0] != 1) { op.error = "not-held"; return false; }
    s[0] = 0;
  }
  return true;
}

Op make_op(int64_t process, OpType type, const std::string& f, Json value) {
  Op op;
  op.process = process;
  op.type = type;
  op.f = f;
  op.value = std::move(value);
  return op;
}

History renumber(std::vector<Op> ops) {
  History h;
  for (size_t i = 0; i < ops.size(); ++i) {
    ops[i].index = -1;
    ops[i].time_ns = static_cast<int64_t>(i) * 1000;
    h.add(std::move(ops[i]));
  }
  return h;
}

bool has_output(const std::string& f) { return f == "read" || f == "dequeue"; }

}  // namespace

History generate_valid_history(std::string_view model, std::mt19937_64& rng,
                               const HistoryShape& shape) {
  const int n_ops = static_cast<int>(uniform(rng, 1, shape.max_ops));
  const size_t n_slots = static_cast<size_t>(uniform(rng, 1, shape.max_processes));
  std::vector<int64_t> slot_process(n_slots);
  for (size_t i = 0; i < n_slots; ++i) slot_process[i] = static_cast<int64_t>(i);
  int64_t next_process = static_cast<int64_t>(n_slots);
  std::vector<bool> slot_busy(n_slots, false);

  RefState state = reference_init(model);
  std::vector<GenOp> gen;
  std::vector<Op> events;
  const double p_fail = 0.1, p_info = 0.15, p_pending = 0.08;

  for (;;) {
    // Every possible next event, as (kind, subject): 0 invoke on slot, 1 linearize op,
    // 2 complete op.
    std::vector<std::pair<int, size_t>> choices;
    if (static_cast<int>(gen.size()) < n_ops) {
      for (size_t s = 0; s < n_slots; ++s) {
        if (!slot_busy[s]) choices.emplace_back(0, s);
      }
    }
    for (size_t i = 0; i < gen.size(); ++i) {
      const GenOp& g = gen[i];
      if (!g.open) continue;
      if (applies(g.fate) && !g.linearized) choices.emplace_back(1, i);
      else if (completes(g.fate)) choices.emplace_back(2, i);
    }
    if (choices.empty()) break;
    const auto [kind, subject] = choices[static_cast<size_t>(uniform(rng, 0, choices.size() - 1))];

    if (kind == 0) {
      GenOp g;
      g.slot = subject;
      g.process = slot_process[subject];
      choose_op(model, rng, shape, g);
      const double r = std::uniform_real_distribution<>(0, 1)(rng);
      if (r < p_fail) g.fate = Fate::Fail;
      else if (r < p_fail + p_info) g.fate = chance(rng, 0.5) ? Fate::InfoApplied : Fate::InfoNotApplied;
      else if (r < p_fail + p_info + p_pending)
        g.fate = chance(rng, 0.5) ? Fate::PendingApplied : Fate::PendingNotApplied;
      else g.fate = Fate::Ok;
      if (g.fate == Fate::Fail) g.error = "rejected";
      slot_busy[subject] = true;
      events.push_back(make_op(g.process, OpType::Invoke, g.f, g.input));
      gen.push_back(std::move(g));
      if (chance(rng, 0.05)) {  // a fault record between client events
        events.push_back(make_op(kNemesisProcess, OpType::Invoke, "start", nullptr));
        events.push_back(make_op(kNemesisProcess, OpType::Info, "start", "partition"));
      }
    } else if (kind == 1) {
      GenOp& g = gen[subject];
      g.linearized = true;
      if (!take_effect(model, rng, state, g)) g.fate = Fate::Fail;
    } else {
      GenOp& g = gen[subject];
      g.open = false;
      Op done;
      switch (g.fate) {
        case Fate::Ok:
          done = make_op(g.process, OpType::Ok, g.f, has_output(g.f) ? g.output : g.input);
          break;
        case Fate::Fail:
          done = make_op(g.process, OpType::Fail, g.f, g.input);
          done.error = g.error;
          break;
        default:  // info: output unknown; the process never comes back
          done = make_op(g.process, OpType::Info, g.f, g.input);
          done.error = "timeout";
          slot_process[g.slot] = next_process++;
          break;
      }
      slot_busy[g.slot] = false;
      events.push_back(std::move(done));
    }
  }
  return renumber(std::move(events));
}

History mutate_history(std::string_view model, const History& h, std::mt19937_64& rng) {
  std::vector<Op> ops = h.ops();
  const auto client = oracle_ops(h);
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int kind = static_cast<int>(uniform(rng, 0, 5));
    if (kind == 0 || kind == 1) {  // wrong output of an ok read / dequeue
      std::vector<const OracleOp*> cands;
      for (const auto& o : client) {
        if (o.outcome == OracleOutcome::Ok && has_output(o.f)) cands.push_back(&o);
      }
      if (cands.empty()) continue;
      const OracleOp& o = *cands[static_cast<size_t>(uniform(rng, 0, cands.size() - 1))];
      Json& out = ops[o.complete_pos].value;
      if (model == "counter") {
        out = out.get<int64_t>() + (chance(rng, 0.5) ? 1 : -1);
      } else if (model == "set") {
        std::set<int64_t> m;
        for (const Json& x : out) m.insert(x.get<int64_t>());
        const int64_t x = uniform(rng, 0, 3);
        if (!m.erase(x)) m.insert(x);
        out = std::vector<int64_t>(m.begin(), m.end());
      } else {  // queues
        if (out.is_null()) out = uniform(rng, 0, 3);
        else if (chance(rng, 0.3)) out = nullptr;
        else out = (out.get<int64_t>() + uniform(rng, 1, 3)) % 4;
      }
      return renumber(std::move(ops));
    }
    if (kind == 2) {  // a fail / info / pending op (without output) becomes ok
      std::vector<const OracleOp*> cands;
      for (const auto& o : client) {
        if (o.outcome != OracleOutcome::Ok && !has_output(o.f)) cands.push_back(&o);
      }
      if (cands.empty()) continue;
      const OracleOp& o = *cands[static_cast<size_t>(uniform(rng, 0, cands.size() - 1))];
      if (o.complete_pos == SIZE_MAX) {
        Op done = ops[o.invoke_pos];
        done.type = OpType::Ok;
        ops.push_back(std::move(done));
      } else {
        ops[o.complete_pos].type = OpType::Ok;
        ops[o.complete_pos].error = nullptr;
      }
      return renumber(std::move(ops));
    }
    if (kind == 3) {  // changed op name (mutex: acquire <-> release; others: write <-> write)
      if (model != "mutex") continue;
      const OracleOp& o = client[static_cast<size_t>(uniform(rng, 0, client.size() - 1))];
      const std::string f = o.f == "acquire" ? "release" : "acquire";
      ops[o.invoke_pos].f = f;
      if (o.complete_pos != SIZE_MAX) ops[o.complete_pos].f = f;
      return renumber(std::move(ops));
    }
    if (kind == 4) {  // swap two adjacent events of different client processes
      if (ops.size() < 2) continue;
      const size_t i = static_cast<size_t>(uniform(rng, 0, ops.size() - 2));
      if (ops[i].process == ops[i + 1].process || ops[i].is_nemesis() || ops[i + 1].is_nemesis())
        continue;
      std::swap(ops[i], ops[i + 1]);
      return renumber(std::move(ops));
    }
    // kind 5: drop a client op entirely (e.g. the enqueue a later dequeue depends on)
    if (client.empty()) continue;
    const OracleOp& o = client[static_cast<size_t>(uniform(rng, 0, client.size() - 1))];
    // A process that got info is replaced by a fresh one, so removing any op keeps the history
    // well formed.
    if (o.complete_pos != SIZE_MAX) ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(o.complete_pos));
    ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(o.invoke_pos));
    return renumber(std::move(ops));
  }
  return renumber(std::move(ops));
}

std::string history_to_string(const History& h) {
  std::ostringstream out;
  for (const Op& op : h.ops()) out << op_to_json(op).dump() << "\n";
  return out.str();
}

}  // namespace faultline::test
