// Format names, sniffing, and dispatch to the per-format readers.
#include "faultline/core/formats.h"

#include <array>
#include <stdexcept>

#include "faultline/core/error.h"
#include "history_readers.h"

namespace faultline {

namespace {
constexpr std::array<std::pair<HistoryFormat, std::string_view>, 4> kFormatNames{{
    {HistoryFormat::Auto, "auto"},
    {HistoryFormat::Jsonl, "jsonl"},
    {HistoryFormat::Edn, "edn"},
    {HistoryFormat::JepsenLog, "jepsen-log"},
}};

constexpr size_t kSniffBytes = 64 * 1024;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ','; }

std::string_view trim_left(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}

bool contains(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}

// A log line of some Jepsen namespace: "INFO  jepsen.core - ..." possibly after a timestamp.
bool looks_like_jepsen_log_line(std::string_view line) {
  if (contains(line, "jepsen.util - ")) return true;
  if (!contains(line, "jepsen.")) return false;
  for (std::string_view level : {"INFO ", "WARN ", "ERROR ", "DEBUG ", "TRACE "}) {
    if (contains(line, level)) return true;
  }
  return false;
}
}  // namespace

std::string_view to_string(HistoryFormat f) {
  for (const auto& [fmt, name] : kFormatNames) {
    if (fmt == f) return name;
  }
  return "?";
}

std::optional<HistoryFormat> history_format_from_string(std::string_view s) {
  for (const auto& [fmt, name] : kFormatNames) {
    if (name == s) return fmt;
  }
  return std::nullopt;
}

HistoryFormat sniff_history_format(std::string_view head) {
  if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);  // UTF-8 byte order mark
  bool first_significant = true;  // the first line that is neither blank nor a comment
  while (!head.empty()) {
    const size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head = nl == std::string_view::npos ? std::string_view{} : head.substr(nl + 1);
    const std::string_view t = trim_left(line);
    if (t.empty() || t.front() == ';') continue;
    if (looks_like_jepsen_log_line(t)) return HistoryFormat::JepsenLog;
    if (!first_significant) continue;  // only log evidence can still decide
    first_significant = false;
    switch (t.front()) {
      case '{': {
        // `{"` is JSON; an EDN map starts with a keyword, symbol, number... The next
        // significant byte may be on a later line.
        std::string_view rest = trim_left(t.substr(1));
        if (rest.empty()) rest = trim_left(head);
        if (rest.empty() || rest.front() == '"' || rest.front() == '}') return HistoryFormat::Jsonl;
        return HistoryFormat::Edn;
      }
      case '[':
      case '(':
      case '#':
        return HistoryFormat::Edn;
      default:
        break;
    }
  }
  // Blank input is an empty history in any format; call it JSONL.
  return first_significant ? HistoryFormat::Jsonl : HistoryFormat::Auto;
}

namespace {
History read_with(HistoryFormat fmt, detail::LineSource* lines, detail::ByteSource* bytes,
                  const std::string& name) {
  History h;
  switch (fmt) {
    case HistoryFormat::Jsonl: detail::read_jsonl_history(*lines, name, h); break;
    case HistoryFormat::Edn: detail::read_edn_history(*bytes, h); break;
    case HistoryFormat::JepsenLog: detail::read_jepsen_log_history(*lines, name, h); break;
    case HistoryFormat::Auto: break;
  }
  return h;
}

[[noreturn]] void cannot_tell(const std::string& name) {
  throw ParseError(SourcePos{name, 1, 1},
                   "cannot tell the history format (expected JSON Lines, Jepsen EDN or a Jepsen "
                   "console log); name it with --format jsonl|edn|jepsen-log");
}

struct FileCloser {
  std::FILE* f;
  ~FileCloser() { std::fclose(f); }
};
}  // namespace

History read_history_string(std::string_view text, HistoryFormat fmt, const std::string& name,
                            HistoryFormat* detected) {
  if (fmt == HistoryFormat::Auto) fmt = sniff_history_format(text.substr(0, kSniffBytes));
  if (fmt == HistoryFormat::Auto) cannot_tell(name);
  if (detected != nullptr) *detected = fmt;
  detail::LineSource lines(text);
  detail::ByteSource bytes(text, name);
  return read_with(fmt, &lines, &bytes, name);
}

History read_history_string(std::string_view text, HistoryFormat fmt, const std::string& name) {
  return read_history_string(text, fmt, name, nullptr);
}

History read_history_file(const std::string& path, HistoryFormat fmt, HistoryFormat* detected) {
  FileCloser file{detail::open_for_reading(path)};
  if (fmt == HistoryFormat::Auto) {
    std::string head(kSniffBytes, '\0');
    head.resize(std::fread(head.data(), 1, head.size(), file.f));
    fmt = sniff_history_format(head);
    if (fmt == HistoryFormat::Auto) cannot_tell(path);
    if (std::fseek(file.f, 0, SEEK_SET) != 0) {
      throw std::runtime_error("cannot rewind " + path +
                               " after sniffing its format; pass --format explicitly");
    }
  }
  if (detected != nullptr) *detected = fmt;
  detail::LineSource lines(file.f, path);
  detail::ByteSource bytes(file.f, path);
  return read_with(fmt, &lines, &bytes, path);
}

History read_history_file(const std::string& path, HistoryFormat fmt) {
  return read_history_file(path, fmt, nullptr);
}

}  // namespace faultline
