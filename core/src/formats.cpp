// Format names, sniffing, and dispatch to the per-format readers.
#include "faultline/core/formats.h"

#include <algorithm>
#include <array>
#include <filesystem>
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
// read_history_file reserves one Op per kMinOpBytes of file, at most kMaxReservedOps.
constexpr size_t kMinOpBytes = 40;
constexpr size_t kMaxReservedOps = size_t{16} << 20;

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
      case '[': {
        // `[{"` is a JSON array of ops, which is neither JSONL nor EDN.
        std::string_view rest = trim_left(t.substr(1));
        if (rest.empty()) rest = trim_left(head);
        if (rest.size() >= 2 && rest[0] == '{' && trim_left(rest.substr(1)).substr(0, 1) == "\"") {
          return HistoryFormat::Auto;
        }
        return HistoryFormat::Edn;
      }
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
[[noreturn]] void cannot_tell(const std::string& name, std::string_view head) {
  const std::string_view t = trim_left(head);
  if (!t.empty() && t.front() == '[' && t.find("{\"") != std::string_view::npos &&
      t.find("{\"") < 64) {
    throw ParseError(SourcePos{name, 1, 1},
                     "this looks like a JSON array of ops; faultline reads JSON Lines (one op "
                     "object per line): convert it with `jq -c '.[]' FILE`");
  }
  throw ParseError(SourcePos{name, 1, 1},
                   "cannot tell the history format (expected JSON Lines, Jepsen EDN or a Jepsen "
                   "console log); name it with --format jsonl|edn|jepsen-log");
}

OpSink history_sink(History& h) {
  return [&h](Op&& op) { h.add(std::move(op)); };
}
}  // namespace

HistoryFileReader::HistoryFileReader(const std::string& path, HistoryFormat fmt)
    : path_(path), file_(detail::open_for_reading(path)), format_(fmt) {
  if (format_ != HistoryFormat::Auto) return;
  std::string head(kSniffBytes, '\0');
  head.resize(std::fread(head.data(), 1, head.size(), file_));
  format_ = sniff_history_format(head);
  if (format_ == HistoryFormat::Auto) {
    std::fclose(file_);
    file_ = nullptr;
    cannot_tell(path, head);
  }
  if (std::fseek(file_, 0, SEEK_SET) != 0) {
    std::fclose(file_);
    file_ = nullptr;
    throw std::runtime_error("cannot rewind " + path +
                             " after sniffing its format; pass --format explicitly");
  }
}

HistoryFileReader::~HistoryFileReader() {
  if (file_ != nullptr) std::fclose(file_);
}

int64_t HistoryFileReader::read(const OpSink& sink) {
  detail::OpSinkAdapter out(sink);
  switch (format_) {
    case HistoryFormat::Jsonl: detail::read_jsonl_history(file_, path_, out); break;
    case HistoryFormat::Edn: {
      detail::ByteSource bytes(file_, path_);
      detail::read_edn_history(bytes, out);
      break;
    }
    case HistoryFormat::JepsenLog: {
      detail::LineSource lines(file_, path_);
      detail::read_jepsen_log_history(lines, path_, out);
      break;
    }
    case HistoryFormat::Auto: break;
  }
  return out.count();
}

int64_t read_history_string_each(std::string_view text, HistoryFormat fmt,
                                 const std::string& name, const OpSink& sink,
                                 HistoryFormat* detected) {
  if (fmt == HistoryFormat::Auto) fmt = sniff_history_format(text.substr(0, kSniffBytes));
  if (fmt == HistoryFormat::Auto) cannot_tell(name, text.substr(0, kSniffBytes));
  if (detected != nullptr) *detected = fmt;
  detail::OpSinkAdapter out(sink);
  switch (fmt) {
    case HistoryFormat::Jsonl: detail::read_jsonl_history(text, name, out); break;
    case HistoryFormat::Edn: {
      detail::ByteSource bytes(text, name);
      detail::read_edn_history(bytes, out);
      break;
    }
    case HistoryFormat::JepsenLog: {
      detail::LineSource lines(text);
      detail::read_jepsen_log_history(lines, name, out);
      break;
    }
    case HistoryFormat::Auto: break;
  }
  return out.count();
}

History read_history_string(std::string_view text, HistoryFormat fmt, const std::string& name,
                            HistoryFormat* detected) {
  History h;
  read_history_string_each(text, fmt, name, history_sink(h), detected);
  return h;
}

History read_history_string(std::string_view text, HistoryFormat fmt, const std::string& name) {
  return read_history_string(text, fmt, name, nullptr);
}

History read_history_file(const std::string& path, HistoryFormat fmt, HistoryFormat* detected) {
  HistoryFileReader reader(path, fmt);
  if (detected != nullptr) *detected = reader.format();
  History h;
  // Room for one op per kMinOpBytes of file, so the ops are not moved as the vector grows
  // (pages never written cost no memory).
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (!ec) h.mutable_ops().reserve(std::min<size_t>(bytes / kMinOpBytes, kMaxReservedOps));
  reader.read(history_sink(h));
  return h;
}

History read_history_file(const std::string& path, HistoryFormat fmt) {
  return read_history_file(path, fmt, nullptr);
}

}  // namespace faultline
