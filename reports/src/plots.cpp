// Latency and throughput SVG plots (see plots.h).
#include "faultline/reports/plots.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "faultline/reports/checkers.h"
#include "faultline/reports/escape.h"

namespace faultline::reports {

namespace {

constexpr int kLeft = 58, kRight = 12, kTop = 14, kBottom = 30;
const char* kOutcomeColour[] = {"#2e8b57", "#c0392b", "#d4a017", "#7f8c8d"};

struct Frame {
  int w, h;
  double t_max_s;
  double px(double t_s) const { return kLeft + (w - kLeft - kRight) * (t_s / t_max_s); }
  int plot_h() const { return h - kTop - kBottom; }
};

void open_svg(std::string& s, const Frame& fr, const char* label) {
  s += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"{2}\">",
      fr.w, fr.h, label);
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" stroke=\"#bbb\"/>",
                   kLeft, kTop, fr.w - kLeft - kRight, fr.plot_h());
}

void fault_shading(std::string& s, const HistoryView& v, const Frame& fr) {
  for (const FaultWindow& w : v.windows) {
    const double x0 = fr.px(w.start_ns / 1e9), x1 = std::max(x0 + 1, fr.px(w.end_ns / 1e9));
    s += fmt::format("<rect class=\"fault\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" "
                     "fill=\"#f5b7b1\" fill-opacity=\"0.35\"><title>",
                     x0, kTop, x1 - x0, fr.plot_h());
    append_html_escaped(s, w.kind);
    s += fmt::format(" {:.2f}s–{:.2f}s</title></rect>", w.start_ns / 1e9, w.end_ns / 1e9);
  }
}

void time_axis(std::string& s, const Frame& fr) {
  const double step = std::max(1.0, std::pow(10, std::floor(std::log10(std::max(fr.t_max_s, 1.0)))) / 2);
  for (double t = 0; t <= fr.t_max_s + 1e-9; t += step) {
    const double x = fr.px(t);
    s += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#eee\"/>"
                     "<text x=\"{0:.1f}\" y=\"{3}\" font-size=\"10\" text-anchor=\"middle\">{4:g}s</text>",
                     x, kTop, fr.h - kBottom, fr.h - kBottom + 12, t);
  }
}

}  // namespace

std::string latency_svg(const History& h, const HistoryView& v, const Json* perf_in, int width, int height) {
  Frame fr{width, height, std::max(v.end_ns / 1e9, 1e-3)};
  double lo = 1e18, hi = 0;
  for (const Span& sp : v.spans) {
    if (sp.end_ns < 0) continue;
    const double ms = std::max(1e-3, (sp.end_ns - sp.start_ns) / 1e6);
    lo = std::min(lo, ms);
    hi = std::max(hi, ms);
  }
  std::string s;
  open_svg(s, fr, "latency over time");
  if (hi <= 0) {
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\">no completed operations</text></svg>",
                     kLeft + 10, kTop + 20);
    return s;
  }
  const double llo = std::floor(std::log10(lo)), lhi = std::max(llo + 1, std::ceil(std::log10(hi)));
  auto py = [&](double ms) {
    return kTop + fr.plot_h() * (1 - (std::log10(std::max(ms, 1e-3)) - llo) / (lhi - llo));
  };
  fault_shading(s, v, fr);
  time_axis(s, fr);
  for (double e = llo; e <= lhi; e += 1) {
    const double y = py(std::pow(10, e));
    s += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#eee\"/>"
                     "<text x=\"{3}\" y=\"{4:.1f}\" font-size=\"10\" text-anchor=\"end\">{5:g} ms</text>",
                     kLeft, width - kRight, y, kLeft - 4, y + 3, std::pow(10, e));
  }
  // Binned marks: one 3x3-pixel cell per (outcome, shape) is drawn once, all marks of a series
  // in one <path>, so the element count stays constant whatever the history's length.
  constexpr int kCell = 3;
  const int gw = width / kCell + 1, gh = height / kCell + 1;
  std::map<std::string, int> f_shape;
  std::vector<std::vector<uint8_t>> grid(9, std::vector<uint8_t>(static_cast<size_t>(gw * gh), 0));
  for (const Span& sp : v.spans) {
    if (sp.end_ns < 0 || sp.outcome == Outcome::Pending) continue;
    const std::string& f = h[static_cast<size_t>(sp.invoke_pos)].f;
    auto it = f_shape.find(f);
    if (it == f_shape.end()) it = f_shape.emplace(f, static_cast<int>(f_shape.size()) % 3).first;
    const int cx = std::clamp(static_cast<int>(fr.px(sp.end_ns / 1e9)) / kCell, 0, gw - 1);
    const int cy = std::clamp(static_cast<int>(py((sp.end_ns - sp.start_ns) / 1e6)) / kCell, 0, gh - 1);
    grid[static_cast<size_t>(static_cast<int>(sp.outcome) * 3 + it->second)][static_cast<size_t>(cy * gw + cx)] = 1;
  }
  for (int o = 0; o < 3; ++o) {
    s += fmt::format("<g class=\"pts-{}\" fill=\"{}\" fill-opacity=\"0.75\">", outcome_name(Outcome(o)), kOutcomeColour[o]);
    for (int shape = 0; shape < 3; ++shape) {
      const auto& g = grid[static_cast<size_t>(o * 3 + shape)];
      std::string d;
      for (int cy = 0; cy < gh; ++cy)
        for (int cx = 0; cx < gw; ++cx) {
          if (!g[static_cast<size_t>(cy * gw + cx)]) continue;
          const int x = cx * kCell, y = cy * kCell;
          if (shape == 0) d += fmt::format("M{} {}h2.4v2.4h-2.4z", x, y);
          else if (shape == 1) d += fmt::format("M{} {}l1.4 1.4-1.4 1.4-1.4-1.4z", x + 1, y);
          else d += fmt::format("M{} {}l1.5 2.6h-3z", x + 1, y);
        }
      if (!d.empty()) s += "<path d=\"" + d + "\"/>";
    }
    s += "</g>";
  }
  const Json perf = perf_in ? *perf_in : perf_checker(h, v);
  const char* qs[] = {"p50", "p95", "p99"};
  const char* qc[] = {"#1f4e79", "#8e44ad", "#e67e22"};
  const double bucket = perf["bucket_s"].get<double>();
  for (int q = 0; q < 3; ++q) {
    std::string pts;
    for (const auto& b : perf["latency_over_time"]) {
      if (b["count"].get<int64_t>() == 0) continue;
      pts += fmt::format("{:.1f},{:.1f} ", fr.px(b["t_s"].get<double>() + bucket / 2),
                         py(b[qs[q]].get<double>()));
    }
    s += fmt::format("<polyline class=\"q-{}\" points=\"{}\" fill=\"none\" stroke=\"{}\" "
                     "stroke-width=\"1.6\"/>", qs[q], pts, qc[q]);
  }
  // Legend: outcomes, quantiles, shapes per op type.
  int lx = kLeft + 6;
  for (int o = 0; o < 3; ++o) {
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"8\" height=\"8\" fill=\"{}\"/><text x=\"{}\" "
                     "y=\"{}\" font-size=\"10\">{}</text>", lx, kTop + 4, kOutcomeColour[o], lx + 11,
                     kTop + 12, outcome_name(Outcome(o)));
    lx += 44;
  }
  for (int q = 0; q < 3; ++q) {
    s += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"2\"/>"
                     "<text x=\"{4}\" y=\"{5}\" font-size=\"10\">{6}</text>",
                     lx, lx + 12, kTop + 8, qc[q], lx + 15, kTop + 12, qs[q]);
    lx += 44;
  }
  const char* shape_name[] = {"■", "●", "▲"};
  for (const auto& [f, shape] : f_shape) {
    if (lx > width - 120) break;
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\">{} ", lx, kTop + 12, shape_name[shape]);
    append_html_escaped(s, display_value(f, 24));
    s += "</text>";
    lx += 20 + 7 * static_cast<int>(std::min<size_t>(f.size(), 24));
  }
  s += "</svg>";
  return s;
}

std::string throughput_svg(const History& h, const HistoryView& v, int width, int height) {
  (void)h;
  Frame fr{width, height, std::max(v.end_ns / 1e9, 1e-3)};
  const int64_t dur = std::max<int64_t>(v.end_ns, 1);
  const int buckets = static_cast<int>(std::clamp<int64_t>(dur / 500'000'000, 1, 200));
  const double bucket_s = dur / 1e9 / buckets;
  std::vector<std::array<double, 3>> rate(static_cast<size_t>(buckets), {0, 0, 0});
  for (const Span& sp : v.spans) {
    if (sp.end_ns < 0) continue;
    const size_t b = std::min<size_t>(static_cast<size_t>(buckets - 1),
                                      static_cast<size_t>(sp.end_ns / 1e9 / bucket_s));
    rate[b][static_cast<size_t>(sp.outcome)] += 1 / bucket_s;
  }
  double top = 1;
  for (const auto& r : rate) top = std::max({top, r[0], r[1], r[2]});
  std::string s;
  open_svg(s, fr, "throughput over time");
  fault_shading(s, v, fr);
  time_axis(s, fr);
  auto py = [&](double r) { return kTop + fr.plot_h() * (1 - r / (top * 1.05)); };
  for (int i = 0; i <= 4; ++i) {
    const double r = top * i / 4, y = py(r);
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"end\">{:.0f}/s</text>",
                     kLeft - 4, y + 3, r);
  }
  for (int o = 0; o < 3; ++o) {
    std::string pts;
    for (int b = 0; b < buckets; ++b)
      pts += fmt::format("{:.1f},{:.1f} ", fr.px((b + 0.5) * bucket_s), py(rate[static_cast<size_t>(b)][static_cast<size_t>(o)]));
    s += fmt::format("<polyline class=\"tp-{}\" points=\"{}\" fill=\"none\" stroke=\"{}\" "
                     "stroke-width=\"1.5\"/>", outcome_name(Outcome(o)), pts, kOutcomeColour[o]);
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"8\" height=\"8\" fill=\"{}\"/><text x=\"{}\" "
                     "y=\"{}\" font-size=\"10\">{}</text>", kLeft + 6 + o * 44, kTop + 4,
                     kOutcomeColour[o], kLeft + 17 + o * 44, kTop + 12, outcome_name(Outcome(o)));
  }
  s += "</svg>";
  return s;
}

}  // namespace faultline::reports
