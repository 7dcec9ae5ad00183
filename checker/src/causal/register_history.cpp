#include "register_history.h"

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "faultline/checker/graph/csr_digraph.h"
#include "faultline/core/error.h"

namespace faultline::checker::causal {

namespace {

enum class Kind { Read, Write, Other };

Kind kind_of(std::string_view f) {
  if (!f.empty() && f.front() == ':') f.remove_prefix(1);
  if (f == "read" || f == "r" || f == "get") return Kind::Read;
  if (f == "write" || f == "w" || f == "put") return Kind::Write;
  return Kind::Other;
}

}  // namespace

class RegisterCompiler {
 public:
  RegisterCompiler(RegisterHistory& out, const Json& init) : out_(out) {
    value_id(init);  // id 0 = the initial value
  }

  int64_t value_id(const Json& v) {
    if (v.is_number_integer()) {
      auto [it, fresh] = int_values_.try_emplace(v.get<int64_t>(),
                                                 static_cast<int64_t>(out_.values.size()));
      if (fresh) out_.values.push_back(v);
      return it->second;
    }
    auto [it, fresh] = values_.try_emplace(v.dump(), static_cast<int64_t>(out_.values.size()));
    if (fresh) out_.values.push_back(v);
    return it->second;
  }
  uint32_t key_id(const Json& k) {
    if (k.is_number_integer()) {
      auto [it, fresh] = int_keys_.try_emplace(k.get<int64_t>(),
                                               static_cast<uint32_t>(out_.key_names.size()));
      if (fresh) out_.key_names.push_back(k);
      return it->second;
    }
    auto [it, fresh] = keys_.try_emplace(k.dump(), static_cast<uint32_t>(out_.key_names.size()));
    if (fresh) out_.key_names.push_back(k);
    return it->second;
  }

  void run(const History& h) {
    std::unordered_map<int64_t, uint32_t> session_of;
    std::vector<std::vector<Event>> sessions;
    for (size_t i = 0; i < h.size(); ++i) {
      const Op& inv = h[i];
      if (inv.type != OpType::Invoke || inv.is_nemesis()) continue;
      const Kind kind = kind_of(inv.f);
      if (kind == Kind::Other) {
        throw HistoryError("op " + std::to_string(inv.index) + ": f \"" + inv.f +
                           "\" is neither a read (read/r/get) nor a write (write/w/put)");
      }
      const int64_t c = h.completion(i);
      const OpType outcome = c < 0 ? OpType::Info : h[static_cast<size_t>(c)].type;
      if (outcome == OpType::Fail) continue;
      if (kind == Kind::Read && outcome != OpType::Ok) continue;
      const Op& src = kind == Kind::Read ? h[static_cast<size_t>(c)] : inv;
      Json key = src.key, value = src.value;
      if (key.is_null() && value.is_array() && value.size() == 2) {
        key = value[0];
        value = value[1];
      } else if (key.is_null()) {
        key = "";
      }
      Event e;
      e.is_write = kind == Kind::Write;
      e.key = key_id(key);
      e.value = value_id(value);
      e.op_pos = static_cast<uint32_t>(i);
      const int64_t proc = inv.process == kNoProcess ? kNoProcess : h.logical_process(i);
      auto [it, fresh] = session_of.try_emplace(proc, static_cast<uint32_t>(sessions.size()));
      if (fresh) sessions.emplace_back();
      e.session = it->second;
      e.pos = static_cast<uint32_t>(sessions[it->second].size());
      sessions[it->second].push_back(e);
    }
    out_.session_begin.push_back(0);
    for (auto& s : sessions) {
      out_.events.insert(out_.events.end(), s.begin(), s.end());
      out_.session_begin.push_back(static_cast<uint32_t>(out_.events.size()));
    }
    link_reads();
  }

 private:
  void link_reads() {
    std::vector<std::tuple<uint32_t, int64_t, uint32_t>> by_value;
    for (uint32_t e = 0; e < out_.events.size(); ++e) {
      const Event& ev = out_.events[e];
      if (!ev.is_write) continue;
      by_value.emplace_back(ev.key, ev.value, e);
      out_.writes_.push_back({ev.key, ev.session, ev.pos, e});
    }
    std::sort(by_value.begin(), by_value.end());
    std::sort(out_.writes_.begin(), out_.writes_.end(), [](const auto& a, const auto& b) {
      return std::tie(a.key, a.session, a.pos) < std::tie(b.key, b.session, b.pos);
    });
    for (size_t i = 0; i + 1 < by_value.size() && out_.duplicate_write.empty(); ++i) {
      if (std::get<0>(by_value[i]) == std::get<0>(by_value[i + 1]) &&
          std::get<1>(by_value[i]) == std::get<1>(by_value[i + 1])) {
        out_.duplicate_write = "value " + out_.values[std::get<1>(by_value[i])].dump() +
                               " is written to key " +
                               out_.key_names[std::get<0>(by_value[i])].dump() + " by both " +
                               out_.describe(std::get<2>(by_value[i])) + " and " +
                               out_.describe(std::get<2>(by_value[i + 1])) +
                               "; the causal checkers need unique written values per key";
      }
    }
    for (Event& ev : out_.events) {
      if (ev.is_write) continue;
      if (ev.value == 0) {
        ev.read_from = kInit;
        continue;
      }
      auto it = std::lower_bound(by_value.begin(), by_value.end(),
                                 std::make_tuple(ev.key, ev.value, uint32_t{0}));
      ev.read_from = (it != by_value.end() && std::get<0>(*it) == ev.key &&
                      std::get<1>(*it) == ev.value)
                         ? std::get<2>(*it) : kThin;
    }
  }

  RegisterHistory& out_;
  std::unordered_map<std::string, int64_t> values_;
  std::unordered_map<std::string, uint32_t> keys_;
  std::unordered_map<int64_t, int64_t> int_values_;   // integer fast paths
  std::unordered_map<int64_t, uint32_t> int_keys_;
};

RegisterHistory RegisterHistory::compile(const History& h, const Json& initial_value) {
  RegisterHistory out;
  out.history = &h;
  if (!h.paired()) {
    out.owned = h;
    out.owned.pair();
    out.history = &out.owned;
  }
  RegisterCompiler c(out, initial_value);
  c.run(*out.history);
  return out;
}

uint32_t RegisterHistory::last_write_before(uint32_t key, uint32_t session,
                                            uint32_t before_pos) const {
  auto it = std::lower_bound(writes_.begin(), writes_.end(), WriteRef{key, session, before_pos, 0},
                             [](const WriteRef& a, const WriteRef& b) {
                               return std::tie(a.key, a.session, a.pos) <
                                      std::tie(b.key, b.session, b.pos);
                             });
  if (it == writes_.begin()) return kInit;
  --it;
  return (it->key == key && it->session == session) ? it->event : kInit;
}

uint32_t RegisterHistory::first_write(uint32_t key, uint32_t session) const {
  auto it = std::lower_bound(writes_.begin(), writes_.end(), WriteRef{key, session, 0, 0},
                             [](const WriteRef& a, const WriteRef& b) {
                               return std::tie(a.key, a.session, a.pos) <
                                      std::tie(b.key, b.session, b.pos);
                             });
  return (it != writes_.end() && it->key == key && it->session == session) ? it->event : kInit;
}

int64_t RegisterHistory::op_index(uint32_t e) const {
  return (*history)[events[e].op_pos].index;
}

std::string RegisterHistory::describe(uint32_t e) const {
  const Event& ev = events[e];
  const Op& op = (*history)[ev.op_pos];
  std::string key = key_names[ev.key].is_string() ? key_names[ev.key].get<std::string>()
                                                  : key_names[ev.key].dump();
  std::string s = "op " + std::to_string(op.index);
  if (op.process >= 0) s += " (process " + std::to_string(op.process) + ")";
  s += ev.is_write ? ": write " : ": read ";
  if (!key.empty()) s += key + "=";
  return s + values[static_cast<size_t>(ev.value)].dump();
}

bool compute_clocks(const RegisterHistory& rh,
                    const std::vector<std::pair<uint32_t, uint32_t>>& extra,
                    const std::vector<uint8_t>& in_scope, CausalClocks& out,
                    std::vector<uint32_t>& left, std::vector<uint32_t>* order) {
  const uint32_t n = static_cast<uint32_t>(rh.events.size());
  const uint32_t k = rh.sessions();
  out.k = k;
  out.clock.assign(static_cast<size_t>(n) * k, 0);
  auto scoped = [&](uint32_t e) { return in_scope.empty() || in_scope[e]; };
  // Successor / predecessor CSR of the extra edges, plus readers of each write.
  std::vector<uint32_t> succ_off(n + 1, 0), pred_off(n + 1, 0), succ(extra.size()),
      pred(extra.size()), reader_off(n + 1, 0), readers;
  for (auto [a, b] : extra) { ++succ_off[a + 1]; ++pred_off[b + 1]; }
  for (uint32_t e = 0; e < n; ++e) {
    const uint32_t rf = rh.events[e].read_from;
    if (!rh.events[e].is_write && rf < kInit) ++reader_off[rf + 1];
  }
  for (uint32_t i = 0; i < n; ++i) {
    succ_off[i + 1] += succ_off[i];
    pred_off[i + 1] += pred_off[i];
    reader_off[i + 1] += reader_off[i];
  }
  readers.resize(reader_off[n]);
  {
    std::vector<uint32_t> fs(succ_off.begin(), succ_off.end() - 1),
        fp(pred_off.begin(), pred_off.end() - 1), fr(reader_off.begin(), reader_off.end() - 1);
    for (auto [a, b] : extra) { succ[fs[a]++] = b; pred[fp[b]++] = a; }
    for (uint32_t e = 0; e < n; ++e) {
      const uint32_t rf = rh.events[e].read_from;
      if (!rh.events[e].is_write && rf < kInit) readers[fr[rf]++] = e;
    }
  }
  std::vector<uint32_t> indeg(n, 0), queue;
  queue.reserve(n);
  uint32_t scope_size = 0;
  for (uint32_t e = 0; e < n; ++e) {
    if (!scoped(e)) continue;
    ++scope_size;
    const Event& ev = rh.events[e];
    if (ev.pos > 0 && scoped(e - 1)) ++indeg[e];
    if (!ev.is_write && ev.read_from < kInit && scoped(ev.read_from)) ++indeg[e];
    for (uint32_t i = pred_off[e]; i < pred_off[e + 1]; ++i) indeg[e] += scoped(pred[i]);
    if (indeg[e] == 0) queue.push_back(e);
  }
  auto release = [&](uint32_t v) {
    if (scoped(v) && --indeg[v] == 0) queue.push_back(v);
  };
  auto merge = [&](uint32_t into, uint32_t from) {
    uint32_t* c = out.of(into);
    const uint32_t* f = out.of(from);
    for (uint32_t q = 0; q < k; ++q) c[q] = std::max(c[q], f[q]);
  };
  for (size_t head = 0; head < queue.size(); ++head) {
    const uint32_t e = queue[head];
    const Event& ev = rh.events[e];
    if (ev.pos > 0 && scoped(e - 1)) merge(e, e - 1);
    if (!ev.is_write && ev.read_from < kInit && scoped(ev.read_from)) merge(e, ev.read_from);
    for (uint32_t i = pred_off[e]; i < pred_off[e + 1]; ++i)
      if (scoped(pred[i])) merge(e, pred[i]);
    out.of(e)[ev.session] = ev.pos + 1;
    if (e + 1 < rh.session_begin[ev.session + 1]) release(e + 1);
    for (uint32_t i = reader_off[e]; i < reader_off[e + 1]; ++i) release(readers[i]);
    for (uint32_t i = succ_off[e]; i < succ_off[e + 1]; ++i) release(succ[i]);
  }
  if (queue.size() == scope_size) {
    if (order) *order = std::move(queue);
    return true;
  }
  left.clear();
  for (uint32_t e = 0; e < n; ++e)
    if (scoped(e) && indeg[e] > 0) left.push_back(e);
  return false;
}

std::vector<uint32_t> find_event_cycle(const RegisterHistory& rh,
                                       const std::vector<std::pair<uint32_t, uint32_t>>& extra,
                                       const std::vector<uint32_t>& nodes) {
  const uint32_t n = static_cast<uint32_t>(rh.events.size());
  std::vector<uint32_t> src, dst;
  for (uint32_t e = 0; e < n; ++e) {
    const Event& ev = rh.events[e];
    if (ev.pos > 0) { src.push_back(e - 1); dst.push_back(e); }
    if (!ev.is_write && ev.read_from < kInit) { src.push_back(ev.read_from); dst.push_back(e); }
  }
  for (auto [a, b] : extra) { src.push_back(a); dst.push_back(b); }
  const auto g = graph::CsrDigraph::build(n, src.data(), dst.data(), src.size(),
                                          [](size_t) { return true; });
  std::vector<uint8_t> in(n, 0);
  for (uint32_t v : nodes) in[v] = 1;
  auto node_ok = [&](uint32_t v) { return in[v] != 0; };
  auto all = [](uint32_t) { return true; };
  graph::SccScratch scratch(n);
  std::vector<uint32_t> comp(n, 0);
  const uint32_t nc = graph::strongly_connected_components(g, nodes, node_ok, all, scratch, comp);
  const auto cyclic = graph::cyclic_components(g, nodes, comp, nc, all);
  if (cyclic.empty()) return {};
  const auto& c = cyclic.front();
  const uint32_t cid = comp[c[0]];
  auto in_c = [&](uint32_t v) { return in[v] && comp[v] == cid; };
  graph::StateBfs bfs(n);
  int64_t budget = INT64_MAX;
  for (uint32_t i = g.begin(c[0]); i < g.end(c[0]); ++i) {
    const uint32_t v = g.targets[i];
    if (!in_c(v) || v == c[0]) continue;
    auto path = bfs.shortest_path(g, v, 0, c[0], in_c, [](int, uint32_t) { return 0; },
                                  [](int) { return true; }, budget);
    if (!bfs.found()) continue;
    std::vector<uint32_t> cycle = {c[0], v};
    for (uint32_t e : path) cycle.push_back(dst[e]);
    cycle.pop_back();  // back at c[0]
    return cycle;
  }
  return {};
}

}  // namespace faultline::checker::causal
