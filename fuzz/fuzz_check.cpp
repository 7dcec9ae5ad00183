// libFuzzer target: `faultline check` end to end on a small budget. The first input byte picks
// the model and consistency (as --model / --consistency would), the rest is the history file in
// any format (written to a file and read back with the format sniffed, as `check` does). Errors are handled exactly as cli/cmd_check.cpp does:
// ParseError / HistoryError / runtime_error on reading, any std::exception from the
// transactional and causal checkers, ModelError from the linearizability checker; a crash,
// a sanitizer report or any other exception is a bug. A verdict must come with its reason
// when unknown.
#include <array>
#include <optional>
#include <string>

#include "faultline/checker/linearizability.h"
#include "faultline/checker/model.h"
#include "faultline/checker/model_registry.h"
#include "faultline/checker/txn_causal_entry.h"
#include "fuzz_reader.h"

namespace {

struct Choice {
  const char* model;        // "" = chosen from the history as `check` does
  const char* consistency;  // "" = the model's default
};

constexpr std::array<Choice, 16> kChoices = {{
    {"", ""},
    {"cas-register", ""},
    {"register", "sequential"},
    {"kv", ""},
    {"list-append", "serializable"},
    {"list-append", "strict-serializable"},
    {"list-append", "snapshot-isolation"},
    {"rw-register", "serializable"},
    {"rw-register", "read-committed"},
    {"register", "causal"},
    {"register", "read-your-writes"},
    {"set", ""},
    {"counter", ""},
    {"fifo-queue", ""},
    {"mutex", ""},
    {"multi-register", ""},
}};

// cli/cmd_check.cpp's default_model.
std::string default_model(const faultline::History& h, faultline::HistoryFormat detected) {
  if (detected == faultline::HistoryFormat::JepsenLog) return "cas-register";
  for (const faultline::Op& op : h.ops())
    if (!op.is_nemesis() && !op.key.is_null()) return "kv";
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultline;
  if (size == 0) return 0;
  const Choice c = kChoices[data[0] % kChoices.size()];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  History h;
  HistoryFormat detected = HistoryFormat::Auto;
  try {
    h = read_history_file(fuzz::input_file(text), HistoryFormat::Auto, &detected);
    h.pair();
  } catch (const std::runtime_error&) {  // ParseError, HistoryError
    return 0;
  }
  const std::string model = *c.model ? c.model : default_model(h, detected);
  std::optional<CheckResult> r;
  try {
    r = checker::check_txn_or_causal(h, model, c.consistency, {.render_svg = false});
  } catch (const std::exception&) {
    return 0;
  }
  if (!r) {
    auto m = checker::make_model(model);
    if (!m) return 0;
    checker::ConsistencyOptions o;
    o.consistency = std::string_view(c.consistency) == "sequential"
                        ? checker::Consistency::Sequential
                        : checker::Consistency::Linearizable;
    o.time_limit_s = 0.05;
    o.memory_limit_bytes = 16u << 20;
    o.threads = 1;
    try {
      r = checker::check_consistency(h, *m, o);
    } catch (const checker::ModelError&) {
      return 0;
    }
  }
  fuzz::require(r->verdict != Verdict::Unknown || !r->reason.empty(),
                "unknown verdict without a reason");
  (void)r->to_json().dump();
  return 0;
}
