// History -> spans, lanes and fault windows (see spans.h).
#include "faultline/reports/spans.h"

#include <algorithm>
#include <unordered_map>

namespace faultline::reports {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Ok: return "ok";
    case Outcome::Fail: return "fail";
    case Outcome::Info: return "info";
    case Outcome::Pending: return "pending";
  }
  return "?";
}

namespace {

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

std::string window_kind(const std::string& f, size_t prefix) {
  std::string k = f.substr(std::min(f.size(), prefix));
  while (!k.empty() && (k[0] == '-' || k[0] == '_' || k[0] == ':')) k.erase(0, 1);
  return k.empty() ? "fault" : k;
}

void nemesis_op(const History& h, size_t i, HistoryView& v, std::vector<size_t>& open) {
  const Op& op = h[i];
  // An invoke/info pair plays one fault op: act on the invocation (or on a lone info that
  // opens a Jepsen-style info/info pair), and take the end time from its completion.
  if (h.invocation(i) >= 0) return;
  const int64_t c = h.completion(i);
  const int64_t t0 = v.op_time_ns[i];
  const int64_t t1 = c >= 0 ? v.op_time_ns[static_cast<size_t>(c)] : t0;
  std::string f(op.f);
  if (!f.empty() && f[0] == ':') f.erase(0, 1);
  if (starts_with(f, "start")) {
    FaultWindow w;
    w.kind = window_kind(f, 5);
    w.start_ns = t0;
    w.open_pos = static_cast<int64_t>(i);
    v.windows.push_back(std::move(w));
    open.push_back(v.windows.size() - 1);
    return;
  }
  const bool heal = starts_with(f, "heal");
  if (starts_with(f, "stop") || heal) {
    const std::string kind = heal ? std::string() : window_kind(f, 4);
    for (auto it = open.begin(); it != open.end();) {
      FaultWindow& w = v.windows[*it];
      if (heal || kind == "fault" || w.kind == kind) {
        w.end_ns = t1;
        w.close_pos = static_cast<int64_t>(i);
        it = open.erase(it);
        if (!heal) return;
      } else {
        ++it;
      }
    }
  }
  v.nemesis_ops.push_back(static_cast<int64_t>(i));
}

}  // namespace

HistoryView make_view(const History& h) {
  HistoryView v;
  const size_t n = h.size();
  v.op_time_ns.resize(n);
  bool any_time = false;
  for (const Op& op : h.ops()) any_time |= op.time_ns >= 0;
  int64_t last = 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t t = any_time ? h[i].time_ns : static_cast<int64_t>(i) * 1000;
    if (t < 0) t = last;  // an op without a time sits where the previous one was
    v.op_time_ns[i] = t;
    last = std::max(last, t);
  }
  v.end_ns = last;
  std::unordered_map<int64_t, int32_t> lanes;
  std::vector<size_t> open;
  for (size_t i = 0; i < n; ++i) {
    const Op& op = h[i];
    if (op.is_nemesis()) {
      nemesis_op(h, i, v, open);
      continue;
    }
    if (op.type != OpType::Invoke) continue;
    Span s;
    s.invoke_pos = static_cast<int64_t>(i);
    const int64_t lp = h.logical_process(i);
    auto [it, fresh] = lanes.try_emplace(lp, static_cast<int32_t>(v.lane_process.size()));
    if (fresh) v.lane_process.push_back(op.process);
    s.lane = it->second;
    s.start_ns = v.op_time_ns[i];
    const int64_t c = h.completion(i);
    if (c >= 0) {
      s.complete_pos = c;
      s.end_ns = v.op_time_ns[static_cast<size_t>(c)];
      const OpType t = h[static_cast<size_t>(c)].type;
      s.outcome = t == OpType::Ok ? Outcome::Ok : t == OpType::Fail ? Outcome::Fail : Outcome::Info;
    }
    v.spans.push_back(s);
  }
  // Lanes in process order (a process id reused after `info` keeps its lanes together).
  std::vector<int32_t> order(v.lane_process.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return v.lane_process[static_cast<size_t>(a)] < v.lane_process[static_cast<size_t>(b)];
  });
  std::vector<int32_t> rank(order.size());
  std::vector<int64_t> procs(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    rank[static_cast<size_t>(order[i])] = static_cast<int32_t>(i);
    procs[i] = v.lane_process[static_cast<size_t>(order[i])];
  }
  v.lane_process = std::move(procs);
  for (Span& s : v.spans) s.lane = rank[static_cast<size_t>(s.lane)];
  for (size_t w : open) {
    v.windows[w].end_ns = v.end_ns;
    v.windows[w].open_at_end = true;
  }
  return v;
}

std::vector<size_t> windows_overlapping(const HistoryView& v, int64_t from_ns, int64_t to_ns) {
  std::vector<size_t> out;
  for (size_t i = 0; i < v.windows.size(); ++i) {
    if (v.windows[i].start_ns <= to_ns && v.windows[i].end_ns >= from_ns) out.push_back(i);
  }
  return out;
}

}  // namespace faultline::reports
