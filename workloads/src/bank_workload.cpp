// bank: transfers between accounts must conserve the total (Jepsen's bank workload).
//
// Accounts: WorkloadOptions.key_count (or params.accounts), default 5, at PROTOCOL keys
// "bank-0".."bank-<n-1>"; params.total (default 100) is split evenly, the remainder going to the
// lowest accounts. Setup is lazy, with no setup op: an absent account holds its initial balance
// (reads record the raw null; the first transfer touching it cas-es from null). So a fresh
// system starts in the initial state, and no op has to run first.
//
// configure() records the accounts/total/max_transfer it was given in this Workload object; the
// runner calls it before any invoke() (it happens-before them), and invoke() uses those values
// (the defaults if configure() was never called). check() takes them from its own options.
//
// Ops:
//   transfer  value from the generator: a random int decoded into {from, to != from, amount in
//             1..max_transfer (params.max_transfer, default 5)}; the completion's value is that
//             object. Two requests: a txn reading both balances, then a txn of
//             [cas from old->old-amount, cas to old->old+amount]. Errors of the read step are
//             `fail` (nothing was written); a transfer that would make `from` negative is not
//             sent and is `fail` with error "insufficient"; the cas txn maps like any reply
//             (cas-mismatch -> fail, timeout -> info). Indeterminate / NotSent propagate.
//   read      one txn reading every account; ok value {"0": balance-or-null, "1": ...} with
//             the raw values the system returned, keyed by account number.
// The mix is transfer:read = 1:params.read_weight (default 1); the final phase reads once.
//
// Checker: every ok read must list every account (missing), hold integers or null (malformed),
// no negative balance (negative), and sum to the total (wrong-total). bad_reads lists each
// offending read with its completion "index" and "invoke_index". valid = no bad read;
// "unknown" when there is no ok read at all. "transfers" counts transfer completions by type
// (ok / fail / info); "insufficient" counts the refused ones, which are among "fail".
#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>
#include <mutex>

#include "kv_common.h"

namespace faultline::workloads {
namespace {

constexpr size_t kMaxListed = 50;

struct BankParams {
  int64_t accounts = 5;
  int64_t total = 100;
  int64_t max_transfer = 5;
  double read_weight = 1.0;

  static BankParams from(const WorkloadOptions& o) {
    BankParams p;
    p.accounts = o.key_count > 0 ? o.key_count : o.params.value("accounts", int64_t{5});
    p.total = o.params.value("total", int64_t{100});
    p.max_transfer = o.params.value("max_transfer", int64_t{5});
    p.read_weight = o.params.value("read_weight", 1.0);
    if (p.accounts < 2) throw std::invalid_argument("bank: needs at least 2 accounts");
    if (p.total < 0) throw std::invalid_argument("bank: total must be >= 0");
    if (p.max_transfer < 1) throw std::invalid_argument("bank: max_transfer must be >= 1");
    return p;
  }
  int64_t initial(int64_t account) const {
    return total / accounts + (account < total % accounts ? 1 : 0);
  }
};

std::string account_key(int64_t i) { return "bank-" + std::to_string(i); }

class BankWorkload : public Workload {
 public:
  std::string name() const override { return "bank"; }
  std::string description() const override {
    return "transfers between accounts (read txn, then a txn of two cas) and whole-bank read "
           "txns; checks every read sums to the total with no negative or missing account.";
  }
  std::vector<std::string> required_ops() const override { return {"txn", "read", "cas"}; }

  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override {
    const BankParams p = BankParams::from(opts);
    {
      std::lock_guard<std::mutex> lock(mu_);
      params_ = p;
    }
    const int64_t span = p.accounts * (p.accounts - 1) * p.max_transfer;
    std::vector<OpTemplate> mix = {OpTemplate{"transfer", 1.0, ValueKind::RandomInt, 0, span - 1}};
    if (p.read_weight > 0) mix.push_back(OpTemplate{"read", p.read_weight, ValueKind::None});
    config.phases = {Phase{mix, detail::run_long_phase_ns(opts)}};
    config.final_ops = {OpTemplate{"read", 1.0, ValueKind::None}};
  }

  Op invoke(const Op& inv, SutClient& client) const override {
    BankParams p;
    {
      std::lock_guard<std::mutex> lock(mu_);
      p = params_;
    }
    if (inv.f == "read") {
      Json ops = Json::array();
      for (int64_t i = 0; i < p.accounts; ++i) ops.push_back({{"op", "read"}, {"key", account_key(i)}});
      Reply r = client.call({{"op", "txn"}, {"ops", ops}});
      Json balances = Json::object();
      if (r.ok && r.value.is_array())
        for (const Json& m : r.value)
          if (m.is_object() && m.value("op", "") == "read" && m.contains("key") &&
              m["key"].is_string()) {
            const std::string& k = m["key"].get_ref<const std::string&>();
            if (k.rfind("bank-", 0) == 0) balances[k.substr(5)] = m.value("value", Json());
          }
      return complete_from_reply(inv, r, balances);
    }
    if (inv.f != "transfer")
      return detail::failed(inv, "bank workload: unknown op f '" + inv.f + "'");
    int64_t v = inv.value.is_number_integer() ? inv.value.get<int64_t>() : 0;
    const int64_t amount = v % p.max_transfer + 1;
    v /= p.max_transfer;
    const int64_t from = v % p.accounts;
    v /= p.accounts;
    const int64_t to = (from + 1 + v % (p.accounts - 1)) % p.accounts;
    const Json desc = {{"from", from}, {"to", to}, {"amount", amount}};
    Op out = completion(inv, OpType::Fail);
    out.value = desc;

    Reply rd = client.call({{"op", "txn"},
                            {"ops", {{{"op", "read"}, {"key", account_key(from)}},
                                     {{"op", "read"}, {"key", account_key(to)}}}}});
    if (!rd.ok) {
      out.error = "read step: " + rd.error;  // nothing written: definitely no effect
      return out;
    }
    if (!rd.value.is_array() || rd.value.size() != 2) {
      out.error = "read step: malformed txn reply " + rd.value.dump();
      return out;
    }
    const Json old_from = rd.value[0].value("value", Json());
    const Json old_to = rd.value[1].value("value", Json());
    auto balance = [&](const Json& raw, int64_t account) -> std::optional<int64_t> {
      if (raw.is_null()) return p.initial(account);
      if (raw.is_number_integer()) return raw.get<int64_t>();
      return std::nullopt;
    };
    const auto bf = balance(old_from, from), bt = balance(old_to, to);
    if (!bf || !bt) {
      out.error = "read step: non-integer balance " + old_from.dump() + " / " + old_to.dump();
      return out;
    }
    if (*bf < amount) {
      out.error = "insufficient";
      return out;
    }
    Reply wr = client.call(
        {{"op", "txn"},
         {"ops",
          {{{"op", "cas"}, {"key", account_key(from)}, {"expected", old_from}, {"value", *bf - amount}},
           {{"op", "cas"}, {"key", account_key(to)}, {"expected", old_to}, {"value", *bt + amount}}}}});
    return complete_from_reply(inv, wr, desc);
  }

  Json check(const History& history, const WorkloadOptions& opts) const override {
    const BankParams p = BankParams::from(opts);
    Json bad = Json::array();
    int64_t n_bad = 0, reads = 0, wrong_total = 0, negative = 0, missing = 0, malformed = 0;
    Json transfers = {{"ok", 0}, {"fail", 0}, {"info", 0}, {"insufficient", 0}};
    // Invocation index per process, to name the read's invocation.
    std::map<int64_t, int64_t> open;
    for (const Op& op : history.ops()) {
      if (!op.is_client()) continue;
      if (op.type == OpType::Invoke) {
        open[op.process] = op.index;
        continue;
      }
      const int64_t inv_index = open.count(op.process) ? open[op.process] : -1;
      open.erase(op.process);
      if (op.f == "transfer") {
        if (op.error == "insufficient")
          transfers["insufficient"] = transfers["insufficient"].get<int64_t>() + 1;
        const char* t = op.type == OpType::Ok ? "ok" : op.type == OpType::Fail ? "fail" : "info";
        transfers[t] = transfers[t].get<int64_t>() + 1;
        continue;
      }
      if (op.f != "read" || op.type != OpType::Ok) continue;
      ++reads;
      Json problems = Json::array();
      int64_t sum = 0;
      if (!op.value.is_object()) {
        problems.push_back("malformed");
        ++malformed;
      } else {
        bool any_missing = false, any_negative = false, any_malformed = false;
        for (int64_t i = 0; i < p.accounts; ++i) {
          const std::string k = std::to_string(i);
          if (!op.value.contains(k)) { any_missing = true; continue; }
          const Json& b = op.value[k];
          if (b.is_null()) { sum += p.initial(i); continue; }
          if (!b.is_number_integer()) { any_malformed = true; continue; }
          const int64_t x = b.get<int64_t>();
          if (x < 0) any_negative = true;
          sum += x;
        }
        if (any_missing) { problems.push_back("missing"); ++missing; }
        if (any_malformed) { problems.push_back("malformed"); ++malformed; }
        if (any_negative) { problems.push_back("negative"); ++negative; }
        if (!any_missing && !any_malformed && sum != p.total) {
          problems.push_back("wrong-total");
          ++wrong_total;
        }
      }
      if (!problems.empty()) {
        ++n_bad;
        if (bad.size() < kMaxListed)
          bad.push_back({{"index", op.index}, {"invoke_index", inv_index}, {"problems", problems},
                         {"balances", op.value}, {"sum", sum}});
      }
    }
    Json out = {{"valid", n_bad ? Json(false) : reads ? Json(true) : Json("unknown")},
                {"accounts", p.accounts},
                {"total", p.total},
                {"read_count", reads},
                {"bad_read_count", n_bad},
                {"wrong_total_count", wrong_total},
                {"negative_count", negative},
                {"missing_count", missing},
                {"malformed_count", malformed},
                {"bad_reads", bad},
                {"transfers", transfers}};
    if (!n_bad && !reads) out["reason"] = "no successful read, so the balances cannot be judged";
    return out;
  }

 private:
  mutable std::mutex mu_;
  mutable BankParams params_;
};

}  // namespace

std::unique_ptr<Workload> make_bank_workload() { return std::make_unique<BankWorkload>(); }

}  // namespace faultline::workloads
