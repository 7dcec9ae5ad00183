// The causal checker (CC, CM, CCv) against the brute-force oracle of causal_oracle.h on small
// random register histories (2-3 sessions, up to ~12 ops, failed and info ops), agreement
// asserted both ways for every model. Histories come in ten equal shares:
//   random     reads return the initial value, any write of their key (failed ones and ones
//              later in the session included) or a value never written: mostly invalid;
//   store-cm   a replicated store with causal delivery, a delivered write overwriting: causal
//              memory, so CC and CM hold (the oracle is asserted to agree);
//   store-ccv  the same store resolving conflicts last-writer-wins by Lamport clock: CC and CCv
//              hold;
//   planted P  a store history (keys 3, 4) with the ops of one bad pattern P of the paper
//              (keys 0-2) merged into its sessions: ThinAirRead, CyclicCO, WriteCOInitRead,
//              WriteCORead (not CC), WriteHBInitRead, CyclicHB (not CM), CyclicCF (not CCv).
//              Adding ops never makes an invalid history valid (see causal_oracle.h: a witness
//              restricts), so the oracle is asserted to reject P's model.
// For CCv-valid verdicts the checker's arbitration order is replayed by the oracle. Counts per
// class are printed (run with -s to see them) and bounded below so no class can vanish.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "causal_oracle.h"
#include "faultline/checker/causal/check_causal.h"

using namespace faultline;
using namespace faultline::checker::causal;
using namespace faultline::testing::causal_oracle;

namespace {

constexpr int64_t kNeverWritten = 1'000'000;

struct Gen {
  explicit Gen(uint64_t seed) : rng(seed) {}
  std::mt19937_64 rng;
  int64_t next_value = 1;
  bool coin(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  size_t pick(size_t n) { return static_cast<size_t>(rng() % n); }
};

Outcome write_outcome(Gen& g, bool allow_info) {
  const size_t r = g.pick(100);
  if (r < 6) return Outcome::Fail;
  if (allow_info && r < 13) return Outcome::Info;
  return Outcome::Ok;
}

// Reads return anything: the initial value, a write of their key, a value never written.
std::vector<AOp> random_history(Gen& g) {
  const size_t clients = 2 + g.pick(2), n = 4 + g.pick(7);
  std::vector<int64_t> proc(clients);
  for (size_t c = 0; c < clients; ++c) proc[c] = static_cast<int64_t>(c);
  int64_t next_proc = 10;
  std::vector<AOp> ops;
  for (size_t i = 0; i < n; ++i) {
    const size_t c = g.pick(clients);
    AOp op;
    op.process = proc[c];
    op.key = static_cast<int>(g.pick(2));
    op.write = g.coin(0.45);
    if (op.write) {
      op.value = g.next_value++;
      op.outcome = write_outcome(g, true);
    } else {
      op.outcome = g.coin(0.05) ? Outcome::Info : Outcome::Ok;
    }
    if (op.outcome == Outcome::Info) proc[c] = next_proc++;
    ops.push_back(op);
  }
  for (AOp& r : ops) {
    if (r.write || r.outcome != Outcome::Ok) continue;
    std::vector<int64_t> choices = {0};
    for (const AOp& w : ops)
      if (w.write && w.key == r.key) choices.push_back(w.value);
    r.value = g.coin(0.04) ? kNeverWritten : choices[g.pick(choices.size())];
  }
  return ops;
}

// A replicated register store: one replica per client, writes broadcast and delivered in
// causal order (vector clocks); lww = resolve by (Lamport time, origin), else the delivered
// write overwrites. Returns ops per client, in session order, on keys `key0`, `key0 + 1`.
struct Msg {
  size_t origin;
  int seq;
  std::vector<int> deps;
  int key;
  int64_t value, ts;
};

std::vector<std::vector<AOp>> store_history(Gen& g, size_t clients, size_t n, bool lww, int key0,
                                            bool allow_info) {
  struct Cell {
    int64_t value = 0, ts = 0;
    size_t origin = 0;
  };
  std::vector<std::vector<int>> vc(clients, std::vector<int>(clients, 0));
  std::vector<int64_t> lamport(clients, 0);
  std::vector<std::map<int, Cell>> store(clients);
  std::vector<Msg> log;
  std::vector<std::vector<AOp>> out(clients);
  std::vector<int64_t> proc(clients);
  for (size_t c = 0; c < clients; ++c) proc[c] = static_cast<int64_t>(c);
  int64_t next_proc = 10;
  auto apply = [&](size_t c, const Msg& m) {
    Cell& cell = store[c][m.key];
    if (!lww || std::make_pair(m.ts, m.origin) > std::make_pair(cell.ts, cell.origin))
      cell = Cell{m.value, m.ts, m.origin};
    lamport[c] = std::max(lamport[c], m.ts);
  };
  size_t made = 0;
  while (made < n) {
    const size_t c = g.pick(clients);
    if (g.coin(0.45)) {  // deliver one deliverable write to c, if any
      std::vector<size_t> ready;
      for (size_t i = 0; i < log.size(); ++i) {
        const Msg& m = log[i];
        bool ok = m.origin != c && m.seq == vc[c][m.origin] + 1;
        for (size_t k = 0; ok && k < clients; ++k)
          if (k != m.origin && m.deps[k] > vc[c][k]) ok = false;
        if (ok) ready.push_back(i);
      }
      if (!ready.empty()) {
        const Msg& m = log[ready[g.pick(ready.size())]];
        vc[c][m.origin] = m.seq;
        apply(c, m);
        continue;
      }
    }
    AOp op;
    op.process = proc[c];
    op.key = key0 + static_cast<int>(g.pick(2));
    op.write = g.coin(0.5);
    ++made;
    if (!op.write) {
      op.value = store[c][op.key].value;
      out[c].push_back(op);
      continue;
    }
    op.value = g.next_value++;
    op.outcome = write_outcome(g, allow_info);
    if (op.outcome == Outcome::Info) proc[c] = next_proc++;
    out[c].push_back(op);
    if (op.outcome == Outcome::Fail || (op.outcome == Outcome::Info && g.coin(0.5))) continue;
    Msg m{c, ++vc[c][c], vc[c], op.key, op.value, ++lamport[c]};
    apply(c, m);
    log.push_back(std::move(m));
  }
  return out;
}

std::vector<AOp> flatten(const std::vector<std::vector<AOp>>& sessions) {
  std::vector<AOp> ops;
  for (const auto& s : sessions) ops.insert(ops.end(), s.begin(), s.end());
  return ops;
}

const char* const kPatterns[] = {"ThinAirRead",     "CyclicCO", "WriteCOInitRead", "WriteCORead",
                                 "WriteHBInitRead", "CyclicHB", "CyclicCF"};

// The ops of bad pattern p (keys x=0, y=1, z=2), per session; value 0 = the initial value.
std::vector<std::vector<AOp>> pattern(Gen& g, int p) {
  auto w = [](int k, int64_t v) { return AOp{0, true, k, v, Outcome::Ok}; };
  auto r = [](int k, int64_t v) { return AOp{0, false, k, v, Outcome::Ok}; };
  const int64_t a = g.next_value++, b = g.next_value++, c = g.next_value++, d = g.next_value++;
  switch (p) {
    case 0: return {{r(0, kNeverWritten)}};
    case 1: return {{r(0, b), w(1, a)}, {r(1, a), w(0, b)}};
    case 2: return {{w(0, a), w(1, b)}, {r(1, b), r(0, 0)}};
    case 3: return {{w(0, a), w(0, b)}, {r(0, b), r(0, a)}};
    case 4: return {{w(2, c), w(0, a), w(1, b)}, {w(0, d), r(2, 0), r(1, b), r(0, d)}};
    case 5: return {{w(0, a), w(1, b)}, {w(1, c), w(0, d)}, {r(0, d), r(1, b), r(0, a), r(1, c)}};
    default: return {{w(0, a), r(0, b)}, {w(0, b), r(0, a)}};
  }
}

// Bad pattern p merged at random positions into the sessions of a store history on keys 3, 4.
std::vector<AOp> planted(Gen& g, int p) {
  const auto pat = pattern(g, p);
  const size_t clients = std::max(pat.size(), 2 + g.pick(2));
  auto ctx = store_history(g, clients, 2 + g.pick(5), g.coin(0.5), 3, false);
  for (size_t s = 0; s < pat.size(); ++s) {
    std::vector<AOp> merged;
    size_t i = 0, j = 0;
    while (i < ctx[s].size() || j < pat[s].size()) {
      const bool take_ctx = j == pat[s].size() || (i < ctx[s].size() && g.coin(0.5));
      merged.push_back(take_ctx ? ctx[s][i++] : pat[s][j++]);
      merged.back().process = static_cast<int64_t>(s);
    }
    ctx[s] = std::move(merged);
  }
  return flatten(ctx);
}

// Op i becomes positions 2i (invocation, index 2i) and 2i+1 (completion).
History to_history(const std::vector<AOp>& ops) {
  History h;
  for (const AOp& a : ops) {
    Op inv;
    inv.process = a.process;
    inv.type = OpType::Invoke;
    inv.f = a.write ? "write" : "read";
    inv.key = "k" + std::to_string(a.key);
    inv.value = a.write ? Json(a.value) : Json(nullptr);
    h.add(inv);
    Op done = inv;
    done.index = -1;
    done.type = a.outcome == Outcome::Ok ? OpType::Ok
                : a.outcome == Outcome::Fail ? OpType::Fail : OpType::Info;
    if (!a.write && a.outcome == Outcome::Ok) done.value = a.value == 0 ? Json(nullptr) : Json(a.value);
    h.add(done);
  }
  h.pair();
  return h;
}

std::string describe(const std::vector<AOp>& ops) {
  std::string s;
  const char* outcome[] = {"ok", "fail", "info"};
  for (size_t i = 0; i < ops.size(); ++i) {
    const AOp& a = ops[i];
    s += "  #" + std::to_string(i) + " p" + std::to_string(a.process) + (a.write ? " w" : " r") +
         " k" + std::to_string(a.key) + " " + std::to_string(a.value) + " " +
         outcome[static_cast<int>(a.outcome)] + "\n";
  }
  return s;
}

struct Tally {
  std::map<std::string, int> n;
  void add(const std::string& k) { ++n[k]; }
  int operator[](const std::string& k) const { return n.count(k) ? n.at(k) : 0; }
};

}  // namespace

TEST_CASE("causal checker agrees with the brute-force oracle on CC, CM and CCv",
          "[causal][oracle]") {
  constexpr int kHistories = 3000;
  const CausalModel models[] = {CausalModel::CC, CausalModel::CM, CausalModel::CCv};
  Tally t;
  for (int i = 0; i < kHistories; ++i) {
    Gen g(0xCA05A1ull + static_cast<uint64_t>(i));
    const int mode = i % 10;
    std::string cls;
    std::vector<AOp> ops;
    if (mode == 0) {
      cls = "random", ops = random_history(g);
    } else if (mode <= 2) {
      cls = mode == 1 ? "store-cm" : "store-ccv";
      ops = flatten(store_history(g, 2 + g.pick(2), 4 + g.pick(7), mode == 2, 0, true));
    } else {
      cls = std::string("planted ") + kPatterns[mode - 3], ops = planted(g, mode - 3);
    }
    const History h = to_history(ops);
    const Verdicts oracle = decide(ops);
    const bool expect[] = {oracle.cc, oracle.cm, oracle.ccv};
    INFO("history " << i << " (" << cls << "):\n" << describe(ops));
    t.add(cls);
    for (int m = 0; m < 3; ++m) {
      CausalOptions o;
      o.model = models[m];
      const CheckResult r = check_causal(h, o);
      INFO("model " << to_string(models[m]) << ": oracle " << (expect[m] ? "valid" : "invalid")
                    << ", checker " << r.to_json().dump());
      REQUIRE(r.verdict != Verdict::Unknown);
      REQUIRE((r.verdict == Verdict::Valid) == expect[m]);
      const std::string model = to_string(models[m]);
      t.add(model + (expect[m] ? " valid" : " invalid"));
      if (m == 2 && expect[m]) {
        std::vector<size_t> order;
        for (const auto& x : r.witness.at("arbitration_order"))
          order.push_back(static_cast<size_t>(x.get<int64_t>() / 2));
        const auto bad = replay_arbitration(ops, order);
        INFO("arbitration order " << r.witness.at("arbitration_order").dump());
        REQUIRE_FALSE(bad.has_value());
        t.add("arbitration orders replayed");
      }
      std::set<std::string> types;
      for (const auto& a : r.anomalies) types.insert(a.at("type").get<std::string>());
      for (const auto& type : types) t.add(model + " reports " + type);
    }
    if (cls == "store-cm") REQUIRE((oracle.cc && oracle.cm));
    if (cls == "store-ccv") REQUIRE((oracle.cc && oracle.ccv));
    if (mode >= 3) {
      const int p = mode - 3;
      REQUIRE(!(p <= 3 ? oracle.cc : p <= 5 ? oracle.cm : oracle.ccv));
    }
    t.add(cls + ": valid for" + (oracle.cc ? " CC" : "") + (oracle.cm ? " CM" : "") +
          (oracle.ccv ? " CCv" : ""));
    if (oracle.cc && !oracle.cm) t.add("CC valid, CM invalid");
    if (oracle.cc && !oracle.ccv) t.add("CC valid, CCv invalid");
    if (oracle.cm && !oracle.ccv) t.add("CM valid, CCv invalid");
    if (oracle.ccv && !oracle.cm) t.add("CCv valid, CM invalid");
  }
  for (const auto& [k, v] : t.n) WARN(k << ": " << v);
  // Every model both ways, each in at least 10% of the histories.
  for (const char* m : {"causal", "causal-memory", "causal-convergence"}) {
    CHECK(t[std::string(m) + " invalid"] >= kHistories / 10);
    CHECK(t[std::string(m) + " valid"] >= kHistories / 10);
  }
  // Each bad pattern reported under the model it belongs to (the weakest explanation).
  for (int p = 0; p < 7; ++p) {
    const std::string model = p <= 3 ? "causal" : p <= 5 ? "causal-memory" : "causal-convergence";
    CHECK(t[model + " reports " + kPatterns[p]] >= 50);
  }
  // The models told apart: histories valid for one and not for the other.
  CHECK(t["CC valid, CM invalid"] >= kHistories / 20);
  CHECK(t["CM valid, CCv invalid"] >= kHistories / 20);
  CHECK(t["CCv valid, CM invalid"] >= 30);
  CHECK(t["arbitration orders replayed"] >= kHistories / 10);
}

// The oracle itself on each bad pattern alone (the paper's examples): the models it breaks, and
// only those.
TEST_CASE("causal oracle: each bad pattern alone", "[causal][oracle]") {
  struct Expect {
    bool cc, cm, ccv;
  };
  const Expect expect[] = {{false, false, false}, {false, false, false}, {false, false, false},
                           {false, false, false}, {true, false, true},   {true, false, false},
                           {true, true, false}};
  for (int p = 0; p < 7; ++p) {
    Gen g(1);
    auto sessions = pattern(g, p);
    for (size_t k = 0; k < sessions.size(); ++k)
      for (AOp& a : sessions[k]) a.process = static_cast<int64_t>(k);
    const std::vector<AOp> ops = flatten(sessions);
    const Verdicts v = decide(ops);
    INFO(kPatterns[p] << ":\n" << describe(ops));
    CHECK(v.cc == expect[p].cc);
    CHECK(v.cm == expect[p].cm);
    CHECK(v.ccv == expect[p].ccv);
    for (int m = 0; m < 3; ++m) {
      CausalOptions o;
      o.model = m == 0 ? CausalModel::CC : m == 1 ? CausalModel::CM : CausalModel::CCv;
      const bool valid = m == 0 ? v.cc : m == 1 ? v.cm : v.ccv;
      CHECK((check_causal(to_history(ops), o).verdict == Verdict::Valid) == valid);
    }
  }
  // An info write that nobody read may not have happened; one that was read did.
  const std::vector<AOp> info = {{0, true, 0, 1, Outcome::Info}, {1, false, 0, 0, Outcome::Ok},
                                 {1, false, 0, 1, Outcome::Ok}, {1, false, 0, 0, Outcome::Ok}};
  CHECK_FALSE(decide(info).cc);  // read 1, then the initial value again: WriteCORead-like
  const std::vector<AOp> unread = {{0, true, 0, 1, Outcome::Info}, {1, false, 0, 0, Outcome::Ok}};
  CHECK(decide(unread).cc);
}
