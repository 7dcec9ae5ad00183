// Composed stats / perf / availability checkers (see checkers.h).
#include "faultline/reports/checkers.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace faultline::reports {

using Json = nlohmann::json;

double quantile_sorted(const std::vector<double>& s, double q) {
  if (s.empty()) return 0;
  const size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(s.size())));
  return s[std::min(s.size() - 1, i == 0 ? 0 : i - 1)];
}

namespace {

Json verdict_for_ops(bool any_ops, bool ok) { return any_ops ? Json(ok) : Json("unknown"); }

double round3(double x) { return std::round(x * 1000) / 1000; }

Json quantiles(std::vector<double>& lat) {
  std::sort(lat.begin(), lat.end());
  return {{"count", lat.size()},
          {"p50", round3(quantile_sorted(lat, 0.5))},
          {"p95", round3(quantile_sorted(lat, 0.95))},
          {"p99", round3(quantile_sorted(lat, 0.99))},
          {"max", round3(lat.empty() ? 0 : lat.back())}};
}

}  // namespace

Json stats_checker(const History& h, const HistoryView& v) {
  std::map<std::string, std::array<int64_t, 4>> by_f;
  std::array<int64_t, 4> all{};
  for (const Span& s : v.spans) {
    auto& c = by_f[h[static_cast<size_t>(s.invoke_pos)].f];
    ++c[static_cast<size_t>(s.outcome)];
    ++all[static_cast<size_t>(s.outcome)];
  }
  auto counts = [](const std::array<int64_t, 4>& c) {
    return Json{{"count", c[0] + c[1] + c[2] + c[3]}, {"ok", c[0]}, {"fail", c[1]},
                {"info", c[2]}, {"pending", c[3]}};
  };
  Json f = Json::object();
  bool ok = true;
  std::vector<std::string> never;
  for (const auto& [name, c] : by_f) {
    f[name] = counts(c);
    if (c[0] == 0) {
      ok = false;
      never.push_back(name);
    }
  }
  Json out = {{"valid", verdict_for_ops(!v.spans.empty(), ok)}, {"by_f", f}, {"all", counts(all)}};
  if (!never.empty()) out["never_ok"] = never;
  return out;
}

Json perf_checker(const History& h, const HistoryView& v) {
  const int64_t dur = std::max<int64_t>(v.end_ns, 1);
  const int buckets = static_cast<int>(std::clamp<int64_t>(dur / 1'000'000'000, 1, 60));
  const double bucket_ns = static_cast<double>(dur) / buckets;
  std::map<std::string, std::vector<double>> lat_f;
  std::vector<std::vector<double>> lat_b(static_cast<size_t>(buckets));
  std::map<std::string, std::vector<int64_t>> done_f;
  for (const Span& s : v.spans) {
    if (s.end_ns < 0) continue;
    const std::string& f = h[static_cast<size_t>(s.invoke_pos)].f;
    const double ms = static_cast<double>(s.end_ns - s.start_ns) / 1e6;
    lat_f[f].push_back(ms);
    const size_t b = std::min<size_t>(static_cast<size_t>(buckets - 1),
                                      static_cast<size_t>(static_cast<double>(s.end_ns) / bucket_ns));
    lat_b[b].push_back(ms);
    auto& d = done_f[f];
    if (d.empty()) d.assign(static_cast<size_t>(buckets), 0);
    ++d[b];
  }
  Json latency = Json::object();
  std::vector<double> all;
  for (auto& [f, l] : lat_f) {
    all.insert(all.end(), l.begin(), l.end());
    latency[f] = quantiles(l);
  }
  latency["all"] = quantiles(all);
  Json series = Json::array();
  for (int b = 0; b < buckets; ++b) {
    Json q = quantiles(lat_b[static_cast<size_t>(b)]);
    q["t_s"] = round3(b * bucket_ns / 1e9);
    series.push_back(std::move(q));
  }
  const double secs = bucket_ns / 1e9;
  Json tput = Json::object();
  for (const auto& [f, d] : done_f) {
    Json per = Json::array();
    int64_t total = 0;
    for (int64_t c : d) {
      per.push_back(round3(static_cast<double>(c) / secs));
      total += c;
    }
    tput[f] = {{"ops_per_s", round3(static_cast<double>(total) / (static_cast<double>(dur) / 1e9))},
               {"per_bucket", per}};
  }
  Json windows = Json::array();
  for (const FaultWindow& w : v.windows)
    windows.push_back({{"kind", w.kind}, {"start_s", round3(w.start_ns / 1e9)},
                       {"end_s", round3(w.end_ns / 1e9)}});
  return {{"valid", verdict_for_ops(!v.spans.empty(), true)},
          {"latency_ms", latency},
          {"bucket_s", round3(secs)},
          {"latency_over_time", series},
          {"throughput", tput},
          {"fault_windows", windows}};
}

Json availability_checker(const HistoryView& v) {
  std::vector<std::array<int64_t, 2>> in(v.windows.size(), {0, 0});  // ok, completed
  std::array<int64_t, 2> out{0, 0}, all{0, 0};
  for (const Span& s : v.spans) {
    if (s.end_ns < 0) continue;
    const int ok = s.outcome == Outcome::Ok ? 1 : 0;
    bool inside = false;
    for (size_t w = 0; w < v.windows.size(); ++w) {
      if (s.end_ns >= v.windows[w].start_ns && s.end_ns <= v.windows[w].end_ns) {
        in[w][0] += ok;
        ++in[w][1];
        inside = true;
      }
    }
    if (!inside) {
      out[0] += ok;
      ++out[1];
    }
    all[0] += ok;
    ++all[1];
  }
  auto share = [](const std::array<int64_t, 2>& c) {
    return Json{{"ok", c[0]}, {"completed", c[1]},
                {"ok_share", c[1] ? Json(round3(static_cast<double>(c[0]) / c[1])) : Json()}};
  };
  Json windows = Json::array();
  for (size_t w = 0; w < v.windows.size(); ++w) {
    Json j = share(in[w]);
    j["kind"] = v.windows[w].kind;
    j["start_s"] = round3(v.windows[w].start_ns / 1e9);
    j["end_s"] = round3(v.windows[w].end_ns / 1e9);
    windows.push_back(std::move(j));
  }
  return {{"valid", verdict_for_ops(all[1] > 0 || !v.spans.empty(), all[0] > 0)},
          {"outside_faults", share(out)},
          {"in_faults", windows},
          {"all", share(all)}};
}

Json composed_checkers(const History& h, const HistoryView& v) {
  return {{"stats", stats_checker(h, v)},
          {"perf", perf_checker(h, v)},
          {"availability", availability_checker(v)}};
}

Json composed_checkers(const History& h) {
  try {
    if (h.paired()) return composed_checkers(h, make_view(h));
    History copy = h;
    copy.pair();
    return composed_checkers(copy, make_view(copy));
  } catch (const std::exception& e) {
    return {{"error", std::string("history cannot be paired: ") + e.what()}};
  }
}

}  // namespace faultline::reports
