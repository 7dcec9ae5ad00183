#include <algorithm>
#include <map>
#include <set>

#include "faultline/checker/crdt/check_crdt.h"

namespace faultline::checker::crdt {

namespace {

struct FinalRead {
  size_t pos;  // completion position
  std::string replica;
  Json value;
};

std::string replica_of(const Op& op) {
  if (op.node) return *op.node;
  return "process " + std::to_string(op.process);
}

// Pairs a copy into `storage` when the input is unpaired; `out` points at the paired history.
void paired_copy_if_needed(const History& h, History& storage, const History*& out) {
  out = &h;
  if (!h.paired()) {
    storage = h;
    storage.pair();
    out = &storage;
  }
}

std::vector<FinalRead> final_reads(const History& h, const CrdtOptions& o) {
  std::vector<FinalRead> explicit_reads;
  std::map<std::string, FinalRead> last_read;
  for (size_t i = 0; i < h.size(); ++i) {
    const Op& op = h[i];
    if (op.type != OpType::Ok || op.is_nemesis()) continue;
    if (op.f == o.final_read_f) explicit_reads.push_back({i, replica_of(op), op.value});
    if (op.f == o.read_f) last_read[replica_of(op)] = {i, replica_of(op), op.value};
  }
  if (!explicit_reads.empty()) return explicit_reads;
  std::vector<FinalRead> out;
  for (auto& [r, fr] : last_read) out.push_back(fr);
  return out;
}

Json normalised(const Json& v) {
  if (!v.is_array()) return v;
  std::set<Json> s(v.begin(), v.end());
  return Json(std::vector<Json>(s.begin(), s.end()));
}

CheckResult no_final_reads(const CrdtOptions& o) {
  CheckResult r;
  r.verdict = Verdict::Unknown;
  r.reason = "the history has no final reads (ok ops with f \"" + o.final_read_f +
             "\", or ok \"" + o.read_f + "\" ops); nothing to compare";
  return r;
}

void add_anomaly(CheckResult& r, size_t& n, const CrdtOptions& o, Json a) {
  if (n++ < o.max_reported) r.anomalies.push_back(std::move(a));
}

}  // namespace

CheckResult check_convergence(const History& history, const CrdtOptions& o) {
  History storage;
  const History* h;
  paired_copy_if_needed(history, storage, h);
  const auto reads = final_reads(*h, o);
  if (reads.empty()) return no_final_reads(o);
  CheckResult r;
  size_t n = 0;
  const Json first = normalised(reads.front().value);
  for (const auto& fr : reads) {
    if (normalised(fr.value) == first) continue;
    add_anomaly(r, n, o,
                {{"type", "divergent-final-reads"},
                 {"explanation", fr.replica + " finally read " + fr.value.dump() + " but " +
                                     reads.front().replica + " read " +
                                     reads.front().value.dump()},
                 {"ops", {(*h)[reads.front().pos].index, (*h)[fr.pos].index}}});
  }
  r.verdict = n ? Verdict::Invalid : Verdict::Valid;
  r.stats = {{"final_reads", reads.size()}, {"divergent", n}};
  return r;
}

CheckResult check_set_adds(const History& history, const CrdtOptions& o) {
  History storage;
  const History* h;
  paired_copy_if_needed(history, storage, h);
  const auto reads = final_reads(*h, o);
  if (reads.empty()) return no_final_reads(o);
  std::map<Json, int64_t> acked;   // element -> op index
  std::set<Json> attempted, failed;
  for (size_t i = 0; i < h->size(); ++i) {
    const Op& op = (*h)[i];
    if (op.type != OpType::Invoke || op.f != o.add_f || op.is_nemesis()) continue;
    const int64_t c = h->completion(i);
    const OpType t = c < 0 ? OpType::Info : (*h)[static_cast<size_t>(c)].type;
    if (t == OpType::Ok) acked.emplace(op.value, op.index);
    if (t == OpType::Fail) failed.insert(op.value); else attempted.insert(op.value);
  }
  CheckResult r;
  size_t n = 0;
  for (const auto& fr : reads) {
    std::set<Json> seen;
    if (fr.value.is_array()) seen.insert(fr.value.begin(), fr.value.end());
    for (const auto& [e, idx] : acked) {
      if (seen.count(e)) continue;
      add_anomaly(r, n, o,
                  {{"type", "lost-add"},
                   {"explanation", "the add of " + e.dump() + " (op " + std::to_string(idx) +
                                       ") was acknowledged, but " + fr.replica +
                                       "'s final read does not contain it"},
                   {"ops", {idx, (*h)[fr.pos].index}}});
    }
    for (const auto& e : seen) {
      if (attempted.count(e)) continue;
      add_anomaly(r, n, o,
                  {{"type", "unexpected-element"},
                   {"explanation", fr.replica + "'s final read contains " + e.dump() + ", which " +
                                       (failed.count(e) ? "only a failed add tried to add"
                                                        : "nobody tried to add")},
                   {"ops", {(*h)[fr.pos].index}}});
    }
  }
  r.verdict = n ? Verdict::Invalid : Verdict::Valid;
  r.stats = {{"final_reads", reads.size()}, {"acknowledged_adds", acked.size()},
             {"anomalies", n}};
  return r;
}

CheckResult check_counter_bounds(const History& history, const CrdtOptions& o) {
  History storage;
  const History* h;
  paired_copy_if_needed(history, storage, h);
  const auto reads = final_reads(*h, o);
  if (reads.empty()) return no_final_reads(o);
  int64_t acked = 0, maybe_up = 0, maybe_down = 0;
  for (size_t i = 0; i < h->size(); ++i) {
    const Op& op = (*h)[i];
    if (op.type != OpType::Invoke || op.f != o.add_f || op.is_nemesis()) continue;
    const int64_t delta = op.value.is_number_integer() ? op.value.get<int64_t>() : 1;
    const int64_t c = h->completion(i);
    const OpType t = c < 0 ? OpType::Info : (*h)[static_cast<size_t>(c)].type;
    if (t == OpType::Ok) acked += delta;
    if (t == OpType::Info) (delta >= 0 ? maybe_up : maybe_down) += delta;
  }
  const int64_t lo = acked + maybe_down, hi = acked + maybe_up;
  CheckResult r;
  size_t n = 0;
  for (const auto& fr : reads) {
    const bool in = fr.value.is_number_integer() && fr.value.get<int64_t>() >= lo &&
                    fr.value.get<int64_t>() <= hi;
    if (in) continue;
    add_anomaly(r, n, o,
                {{"type", "counter-out-of-bounds"},
                 {"explanation", fr.replica + " finally read " + fr.value.dump() +
                                     ", outside [" + std::to_string(lo) + ", " +
                                     std::to_string(hi) + "] (acknowledged increments sum to " +
                                     std::to_string(acked) + ")"},
                 {"ops", {(*h)[fr.pos].index}}});
  }
  r.verdict = n ? Verdict::Invalid : Verdict::Valid;
  r.witness = {{"lower", lo}, {"upper", hi}};
  r.stats = {{"final_reads", reads.size()}};
  return r;
}

}  // namespace faultline::checker::crdt
