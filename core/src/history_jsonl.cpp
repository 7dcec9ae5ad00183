// Native JSON Lines: the exact (nlohmann SAX) line reader behind the simdjson fast path, the
// writer and the crash-safe appending writer.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "faultline/core/error.h"
#include "faultline/core/formats.h"
#include "history_readers.h"
#include "jsonl_op_sax.h"

namespace faultline {
namespace detail {

void parse_jsonl_line(std::string_view line, const std::string& name, int64_t line_no,
                      OpSinkAdapter& out) {
  JsonlOpSax sax;
  bool parsed = false;
  try {
    parsed = Json::sax_parse(line.begin(), line.end(), &sax);
    if (parsed) out.add(sax.take_op());
  } catch (const std::invalid_argument& e) {
    throw ParseError(SourcePos{name, line_no, 1}, std::string("invalid op: ") + e.what());
  }
  if (!parsed) {
    // error_byte() is the 1-based offset of the byte where parsing failed: the column.
    const int64_t col = sax.error_byte() == 0 ? 1 : static_cast<int64_t>(sax.error_byte());
    std::string what = sax.error_message();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column N: ".
    const size_t cut = what.find("syntax error");
    if (cut != std::string::npos) what = what.substr(cut);
    throw ParseError(SourcePos{name, line_no, col}, "invalid JSON: " + what);
  }
}

}  // namespace detail

void write_history_jsonl(const History& h, std::ostream& out) {
  std::string line;
  for (const Op& op : h.ops()) {
    line = op_to_json(op).dump();
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
}

JsonlHistoryWriter::JsonlHistoryWriter(const std::string& path, bool fsync_each)
    : path_(path), fsync_each_(fsync_each) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) {
    throw std::runtime_error("cannot create history file " + path + ": " + std::strerror(errno));
  }
}

JsonlHistoryWriter::~JsonlHistoryWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void JsonlHistoryWriter::append(const Op& op) {
  line_ = op_to_json(op).dump();
  line_ += '\n';
  // One write per op, then flush: a crash after append() returns loses nothing of this op.
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size() ||
      std::fflush(file_) != 0) {
    throw std::runtime_error("cannot append to history file " + path_ + ": " +
                             std::strerror(errno));
  }
  if (fsync_each_ && ::fsync(::fileno(file_)) != 0) {
    throw std::runtime_error("cannot fsync history file " + path_ + ": " + std::strerror(errno));
  }
}

}  // namespace faultline
