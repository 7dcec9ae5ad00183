// Jepsen console logs (the etcd corpus): the op lines jepsen.util/log-op prints,
//   INFO  jepsen.util - <process>\t:<type>\t:<f>\t<value EDN>[\t<error EDN>]
// possibly after a timestamp. Other lines are not ops and are skipped.
#include <charconv>

#include "edn_parser.h"
#include "faultline/core/edn.h"
#include "faultline/core/error.h"
#include "history_readers.h"

namespace faultline::detail {

namespace {
constexpr std::string_view kLogger = "jepsen.util";

// Splits off the text up to the next tab (or the end).
std::string_view take_field(std::string_view& rest) {
  const size_t tab = rest.find('\t');
  std::string_view field = rest.substr(0, tab);
  rest = tab == std::string_view::npos ? std::string_view{} : rest.substr(tab + 1);
  return field;
}

std::string_view strip_colon(std::string_view s) {
  if (!s.empty() && s.front() == ':') s.remove_prefix(1);
  return s;
}

// Parses the process field: digits, or :nemesis. False if it is neither (not an op line).
bool parse_process(std::string_view s, int64_t& process) {
  if (strip_colon(s) == "nemesis") {
    process = kNemesisProcess;
    return true;
  }
  const auto r = std::from_chars(s.data(), s.data() + s.size(), process);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && process >= 0;
}
}  // namespace

void read_jepsen_log_history(LineSource& in, const std::string& name, OpSinkAdapter& out) {
  ByteSource value_source(std::string_view{}, name);
  EdnParser parser(value_source);
  EdnValue value, error;
  std::string_view line;
  while (in.next(line)) {
    const size_t at = line.find(kLogger);
    if (at == std::string_view::npos) continue;
    std::string_view rest = line.substr(at + kLogger.size());
    // Separator between logger and message: " - " (log4j pattern of 2015), ": " or " ".
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '-' || rest.front() == ':')) {
      rest.remove_prefix(1);
    }
    Op op;
    const std::string_view process_field = take_field(rest);
    if (!parse_process(process_field, op.process)) continue;
    const std::string_view type_field = take_field(rest);
    const auto type = op_type_from_string(type_field);
    if (!type || type_field.empty() || type_field.front() != ':') continue;
    if (rest.empty()) continue;  // no :f field: not an op line
    if (const size_t bad = find_invalid_utf8(line); bad != std::string_view::npos) {
      throw ParseError({name, in.line_number(), static_cast<int64_t>(bad) + 1},
                       "invalid UTF-8 in an op line");
    }
    op.type = *type;
    const std::string_view f_field = take_field(rest);
    op.f = strip_colon(f_field);

    // The rest is the value and optionally the error, as EDN separated by a tab; a line that
    // ends after :f has no value (null).
    if (rest.empty()) {
      out.add(std::move(op));
      continue;
    }
    const int64_t value_col = static_cast<int64_t>(rest.data() - line.data()) + 1;
    value_source.reset_text(rest, in.line_number(), value_col);
    if (parser.next(value) == EdnParser::Next::Form) {
      const bool has_error = parser.next(error) == EdnParser::Next::Form;
      if (has_error) {
        EdnValue more;
        if (parser.next(more) == EdnParser::Next::Form) {
          parser.fail(more.line, more.col, "unexpected text after the op's value and error");
        }
        op.error = edn_to_json(error);
      }
      // 2015 Jepsen clients put the error keyword in the value slot of a failed or
      // indeterminate op (`:fail :read :timed-out`): keep it as the error.
      if (!has_error && op.type != OpType::Invoke && op.type != OpType::Ok &&
          value.kind == EdnKind::Keyword) {
        op.error = value.text;
      } else {
        op.value = edn_to_json(value);
      }
    }
    out.add(std::move(op));
  }
}

}  // namespace faultline::detail
