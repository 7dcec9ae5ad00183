// The timeline section and its data block (internal; sections.h). The drawing is in
// assets/report.js: it reads the block below and paints only what the viewport shows.
//
// Data block (JSON, times in µs since the history's start):
//   {"lanes": [process id per lane], "f": [op names], "end": last time,
//    "ops": [[lane, start, end (-1 = never completed), outcome (0 ok, 1 fail, 2 info, 3 pending),
//             f id, invocation index, completion index (-1), value text, result text], ...]
//            in invocation order,
//    "windows": [[kind, start, end, open_at_end (0/1)], ...],
//    "nemesis": [[time, index, "f value"], ...]}
#include <iterator>
#include <unordered_map>

#include <fmt/format.h>

#include "faultline/reports/escape.h"
#include "sections.h"

namespace faultline::reports::detail {

std::string timeline_data(const Ctx& c) {
  // Written directly (not through a JSON tree): 100k ops are most of a big page's build time.
  Json lanes = Json::array();
  for (int64_t p : c.v.lane_process) lanes.push_back(p);
  Json fs = Json::array();
  std::unordered_map<std::string, int> f_id;
  std::string out;
  out.reserve(256 + c.v.spans.size() * 56);
  out += "{\"end\":" + std::to_string(c.v.end_ns / 1000) + ",\"ops\":[";
  bool first = true;
  for (const Span& s : c.v.spans) {
    const Op& inv = c.h[static_cast<size_t>(s.invoke_pos)];
    auto [it, fresh] = f_id.try_emplace(inv.f, static_cast<int>(fs.size()));
    if (fresh) fs.push_back(inv.f);
    std::string value = inv.key.is_null() ? "" : display_value(inv.key, 40) + " ";
    value += inv.value.is_null() ? "" : display_value(inv.value, 100);
    std::string result;
    int64_t cidx = -1;
    if (s.complete_pos >= 0) {
      const Op& done = c.h[static_cast<size_t>(s.complete_pos)];
      cidx = done.index;
      if (!done.value.is_null() && done.value != inv.value) result = display_value(done.value, 100);
      if (!done.error.is_null()) result += (result.empty() ? "" : " ") + ("error " + display_value(done.error, 100));
    }
    if (!first) out += ',';
    first = false;
    fmt::format_to(std::back_inserter(out), "[{},{},{},{},{},{},{},", s.lane, s.start_ns / 1000,
                   s.end_ns < 0 ? -1 : s.end_ns / 1000, static_cast<int>(s.outcome), it->second, inv.index, cidx);
    out += value.empty() ? std::string("\"\"") : script_json(Json(std::move(value)));
    out += ',';
    out += result.empty() ? std::string("\"\"") : script_json(Json(std::move(result)));
    out += ']';
  }
  Json windows = Json::array();
  for (const FaultWindow& w : c.v.windows)
    windows.push_back(Json::array({w.kind, w.start_ns / 1000, w.end_ns / 1000, w.open_at_end ? 1 : 0}));
  Json nem = Json::array();
  for (int64_t p : c.v.nemesis_ops) {
    const Op& op = c.h[static_cast<size_t>(p)];
    nem.push_back(Json::array({c.v.op_time_ns[static_cast<size_t>(p)] / 1000, op.index,
                               op.f + " " + display_value(op.value, 100)}));
  }
  for (const FaultWindow& w : c.v.windows) {
    if (w.open_pos < 0) continue;
    const Op& op = c.h[static_cast<size_t>(w.open_pos)];
    nem.push_back(Json::array({w.start_ns / 1000, op.index, op.f + " " + display_value(op.value, 100)}));
  }
  out += "],\"lanes\":" + script_json(lanes) + ",\"f\":" + script_json(fs) + ",\"windows\":" +
         script_json(windows) + ",\"nemesis\":" + script_json(nem) + "}";
  return out;
}

void section_timeline(std::string& out, const Ctx& c) {
  out += "<section id=\"timeline-section\"><h2>Timeline</h2>"
         "<p class=\"legend\"><span class=\"sw o-ok\"></span>ok <span class=\"sw o-fail\"></span>fail "
         "<span class=\"sw o-info\"></span>info <span class=\"sw o-pending\"></span>never completed "
         "<span class=\"sw o-fault\"></span>fault window &nbsp; Time runs downwards, one column per "
         "process. Hover an op for details, click to pin them. "
         "<button id=\"tl-zoom-in\" type=\"button\">zoom in</button> "
         "<button id=\"tl-zoom-out\" type=\"button\">zoom out</button> "
         "<button id=\"tl-clear\" type=\"button\">clear highlight</button></p>";
  out += "<div id=\"timeline\" class=\"timeline\" tabindex=\"0\" data-count=\"";
  out += std::to_string(c.v.spans.size());
  out += "\"><canvas id=\"tl-canvas\"></canvas><div id=\"tl-spacer\"></div></div>"
         "<div id=\"tl-tip\" class=\"tip\" hidden></div>"
         "<div id=\"tl-details\" class=\"details\"><i>Click an op to see its details here.</i></div></section>";
}

}  // namespace faultline::reports::detail
