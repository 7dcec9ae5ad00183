#include "faultline/nemesis/nemesis.h"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "faultline/nemesis/commands.h"
#include "faultline/nemesis/grudge.h"
#include "faultline/nemesis/target.h"

namespace faultline::nemesis {

namespace {
uint64_t fnv1a(const std::string& s, uint64_t seed) {
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}
}  // namespace

class Nemesis::Context final : public FaultContext {
 public:
  Context(Nemesis& n, std::string fault_id, std::string kind)
      : n_(n), fault_id_(std::move(fault_id)), kind_(std::move(kind)) {}

  const std::vector<NodeHandle>& nodes() const override { return n_.nodes_; }
  const NodeHandle& node(const std::string& name) const override {
    for (const auto& h : n_.nodes_)
      if (h.name == name) return h;
    throw std::invalid_argument("unknown node '" + name + "'");
  }
  const SystemHooks& hooks() const override { return n_.hooks_; }
  const NemesisConfig& config() const override { return n_.config_; }
  const std::string& fault_id() const override { return fault_id_; }
  uint64_t seed() const override {
    // A scheduled fault carries its own seed so a replayed schedule repeats it exactly.
    if (spec_seed_) return *spec_seed_;
    return fnv1a(fault_id_, n_.config_.seed);
  }
  void set_spec_seed(uint64_t s) { spec_seed_ = s; }

  std::vector<std::string> targets(const FaultSpec& spec) const override {
    std::vector<std::string> names;
    for (const auto& h : n_.nodes_) names.push_back(h.name);
    std::vector<std::string> primaries;
    auto t = parse_target(spec.target);
    if (t.kind == TargetSpec::Kind::Any) {
      // Drawn here (seeded), so the primaries hook is only asked when "primaries" is drawn;
      // "primaries" is a choice only when the system can name them.
      const auto choices = node_spec_choices(names.size(), static_cast<bool>(n_.hooks_.primaries));
      uint64_t state = seed() ^ 0xa0761d6478bd642fULL;
      t.kind = choices[seeded_below(state, choices.size())];
    }
    if (t.kind == TargetSpec::Kind::Primaries) {
      if (!n_.hooks_.primaries)
        throw std::invalid_argument("target primaries: the system names no primaries");
      primaries = n_.hooks_.primaries();
    }
    return select_targets(t, names, primaries, seed());
  }

  void journal_step(const std::string& node_name, const Json& undo) override {
    node(node_name);  // validates
    n_.journal_.append({{"event", "apply"}, {"fault", fault_id_}, {"kind", kind_},
                        {"node", node_name}, {"step", next_step_++}, {"undo", undo}});
    applied_.push_back(node_name);
  }

  control::ExecResult run(const std::string& node_name, const std::string& cmd,
                          int64_t timeout_ms = 30'000) override {
    const NodeHandle& h = node(node_name);
    if (!h.remote) throw FaultError(node_name, cmd, "node has no remote");
    control::ExecOptions opts;
    opts.timeout_ms = timeout_ms;
    opts.sudo = true;  // iptables, tc, signals and clock files need root on the node
    control::ExecResult r;
    try {
      r = h.remote->exec(cmd, opts);
    } catch (const control::RemoteError& e) {
      throw FaultError(node_name, cmd, e.what());
    }
    if (!r.ok()) {
      std::string err = r.err;
      while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
      throw FaultError(node_name, cmd,
                       "exit " + std::to_string(r.exit_status) + (err.empty() ? "" : ": " + err));
    }
    return r;
  }

  const std::vector<std::string>& applied() const { return applied_; }

 private:
  Nemesis& n_;
  std::string fault_id_;
  std::string kind_;
  std::optional<uint64_t> spec_seed_;
  int64_t next_step_ = 0;
  std::vector<std::string> applied_;
};

Nemesis::Nemesis(std::vector<NodeHandle> nodes, SystemHooks hooks, NemesisConfig config)
    : nodes_(std::move(nodes)), hooks_(std::move(hooks)), config_(std::move(config)),
      journal_(config_.journal_path) {
  if (nodes_.empty()) throw std::invalid_argument("nemesis: no nodes");
  for (const auto& n : nodes_)
    if (n.name.empty() || n.address.empty() || !n.remote)
      throw std::invalid_argument("nemesis: node '" + n.name + "' lacks an address or remote");
}

HealReport Nemesis::setup() { return heal_all(); }

StartedFault Nemesis::start(const FaultSpec& given) {
  FaultSpec spec = given;
  if (spec.params.is_null()) spec.params = Json::object();
  if (!spec.params.is_object())
    throw std::invalid_argument(spec.kind + ": parameters must be a JSON object");
  auto fault = make_fault(spec.kind);
  parse_target(spec.target);  // reject a bad target before journaling anything
  Journal::Lock lock(journal_);
  const std::string id = journal_.next_fault_id(spec.kind);
  journal_.append({{"event", "start"}, {"fault", id}, {"kind", spec.kind}, {"spec", spec.to_json()}});
  Context ctx(*this, id, spec.kind);
  if (spec.params.contains("seed") && spec.params.at("seed").is_number_unsigned())
    ctx.set_spec_seed(spec.params.at("seed").get<uint64_t>());
  try {
    Json value = fault->start(ctx, spec);
    auto nodes = ctx.applied();
    nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
    return {id, nodes, value};
  } catch (...) {
    // Leave no half-applied fault behind: undo what this fault journaled, then report.
    try {
      stop_locked(id);
    } catch (...) {
      // The steps stay outstanding in the journal; heal_all retries them.
    }
    throw;
  }
}

void Nemesis::undo_step(const UndoStep& step) {
  Context ctx(*this, step.fault_id, step.kind);
  make_fault(step.kind)->undo(ctx, step);
  journal_.append({{"event", "undone"}, {"fault", step.fault_id}, {"node", step.node},
                   {"step", step.step}});
}

std::vector<std::string> Nemesis::stop(const std::string& what) {
  Journal::Lock lock(journal_);
  return stop_locked(what);
}

std::vector<std::string> Nemesis::stop_locked(const std::string& what) {
  std::vector<std::string> ids;
  for (const auto& f : journal_.active())
    if (f.fault_id == what || f.kind == what) ids.push_back(f.fault_id);
  if (ids.empty()) throw std::invalid_argument("nemesis stop: no active fault '" + what + "'");
  auto steps = journal_.outstanding();
  for (const auto& id : ids) {
    std::string first_error;
    for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
      if (it->fault_id != id) continue;
      try {
        undo_step(*it);
      } catch (const std::exception& e) {
        if (first_error.empty()) first_error = e.what();
      }
    }
    if (!first_error.empty())
      throw FaultError("-", "stop " + id, "undo failed, run heal: " + first_error);
    journal_.append({{"event", "stop"}, {"fault", id}});
  }
  return ids;
}

Op Nemesis::invoke(const Op& op) {
  Op done = op;
  done.type = OpType::Info;
  done.process = kNemesisProcess;
  done.index = -1;
  auto kind_after = [&](const char* prefix) -> std::string {
    return op.f.rfind(prefix, 0) == 0 ? op.f.substr(std::string(prefix).size()) : std::string();
  };
  if (op.f == "heal") {
    auto rep = heal_all();
    done.value = {{"steps_undone", rep.steps_undone}, {"errors", rep.errors}};
    return done;
  }
  if (std::string kind = kind_after("start-"); !kind.empty()) {
    FaultSpec spec;
    spec.kind = kind;
    if (op.value.is_object()) {
      spec.params = op.value.value("params", Json::object());
      spec.target = op.value.value("target", "all");
    }
    try {
      auto s = start(spec);
      done.value = {{"fault", s.fault_id}, {"nodes", s.nodes}, {"effect", s.value}};
    } catch (const std::exception& e) {
      done.value = {{"error", e.what()}};
    }
    return done;
  }
  if (std::string kind = kind_after("stop-"); !kind.empty()) {
    const std::string what = op.value.is_string() ? op.value.get<std::string>() : kind;
    try {
      done.value = {{"stopped", stop(what)}};
    } catch (const std::exception& e) {
      done.value = {{"error", e.what()}};
    }
    return done;
  }
  throw std::invalid_argument("nemesis: cannot invoke op f='" + op.f +
                              "' (want start-<kind>, stop-<kind> or heal)");
}

HealReport Nemesis::heal_all() noexcept {
  HealReport rep;
  auto note = [&](const std::string& what) {
    try {
      rep.errors.push_back(what);
    } catch (...) {
    }
  };
  try {
    std::optional<Journal::Lock> lock;
    try {
      lock.emplace(journal_);
    } catch (const std::exception& e) {
      note(std::string("journal: ") + e.what());
      return rep;
    }
    std::vector<UndoStep> steps;
    try {
      steps = journal_.outstanding();
    } catch (const std::exception& e) {
      note(std::string("journal: ") + e.what());
    }
    for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
      try {
        undo_step(*it);
        ++rep.steps_undone;
      } catch (const std::exception& e) {
        note(it->node + ": undo " + it->fault_id + ": " + e.what());
      }
    }
    Context ctx(*this, "heal", "heal");
    for (const auto& n : nodes_) {
      try {
        ctx.run(n.name, cmd::heal_sweep(ctx.state_dir(n.name), ctx.clock_file(n.name)));
        ctx.run(n.name, cmd::verify_clean());
      } catch (const std::exception& e) {
        note(e.what());
      }
    }
    if (rep.errors.empty()) journal_.append({{"event", "healed"}});
  } catch (const std::exception& e) {
    note(std::string("heal: ") + e.what());
  } catch (...) {
    note("heal: unknown error");
  }
  return rep;
}

}  // namespace faultline::nemesis
