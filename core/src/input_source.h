// Internal: byte input for the history readers, from an in-memory text or a FILE* read in
// chunks, so files are never loaded whole. Two views of the same bytes:
//  - ByteSource: peek()/get() one byte at a time (EDN), tracking line and column;
//  - LineSource: one line at a time (JSONL, console logs), without the '\n' or a trailing '\r'.
// Non-virtual with inline hot paths: the readers call these once per byte.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "faultline/core/error.h"

namespace faultline::detail {

inline constexpr size_t kReadChunkBytes = size_t{256} << 10;

// Offset of the first byte of `s` that is not part of a well-formed UTF-8 sequence (Unicode
// table 3-7: no overlong forms, surrogates or code points above U+10FFFF), or npos when `s`
// is valid UTF-8. The readers reject such text (JSON output could not hold it).
size_t find_invalid_utf8(std::string_view s);

// Opens path for reading; throws std::runtime_error "cannot open PATH: reason".
std::FILE* open_for_reading(const std::string& path);

class ByteSource {
 public:
  // `first_line`/`first_col` place the text inside a larger file (for error positions).
  ByteSource(std::string_view text, std::string name, int64_t first_line = 1,
             int64_t first_col = 1);
  // Does not own `file`; reads it in chunks of kReadChunkBytes.
  ByteSource(std::FILE* file, std::string name);

  static constexpr int kEof = -1;

  // String mode only: continue with another text (e.g. the next log line's value field),
  // keeping the name.
  void reset_text(std::string_view text, int64_t first_line, int64_t first_col) {
    begin_ = cur_ = text.data();
    end_ = text.data() + text.size();
    chunk_base_ = 0;
    line_start_ = 0;
    line_ = first_line;
    first_col_ = first_col;
  }

  int peek() {
    if (cur_ == end_ && !refill()) return kEof;
    return static_cast<unsigned char>(*cur_);
  }
  int get() {
    if (cur_ == end_ && !refill()) return kEof;
    const char c = *cur_++;
    if (c == '\n') {
      ++line_;
      line_start_ = offset();
      first_col_ = 1;
    }
    return static_cast<unsigned char>(c);
  }
  // Appends to out the bytes before the first one for which stop(byte) is true (or the end of
  // input) and consumes them. stop('\n') must be true: line tracking is skipped here.
  template <class Stop>
  void take_until(std::string& out, Stop stop) {
    for (;;) {
      const char* p = cur_;
      while (p != end_ && !stop(static_cast<unsigned char>(*p))) ++p;
      out.append(cur_, p);
      cur_ = p;
      if (p != end_ || !refill()) return;
    }
  }

  // Position of the next byte (1-based line, 1-based byte column).
  SourcePos pos() const { return SourcePos{name_, line_, offset() - line_start_ + first_col_}; }
  int64_t line() const { return line_; }
  int64_t col() const { return offset() - line_start_ + first_col_; }
  const std::string& name() const { return name_; }

 private:
  int64_t offset() const { return chunk_base_ + (cur_ - begin_); }
  bool refill();

  std::string name_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<char[]> buffer_;  // kReadChunkBytes, allocated on first refill (not zeroed)
  const char* begin_ = nullptr;
  const char* cur_ = nullptr;
  const char* end_ = nullptr;
  int64_t chunk_base_ = 0;   // offset of begin_ in the whole input
  int64_t line_ = 1;
  int64_t line_start_ = 0;   // offset of the current line's first byte
  int64_t first_col_ = 1;    // column of the first byte of a line (only line 1 may differ)
};

class LineSource {
 public:
  explicit LineSource(std::string_view text) : text_(text) {}
  LineSource(std::FILE* file, std::string name) : file_(file), name_(std::move(name)) {}

  // Next line (1-based number in line_number()); false at end of input. The view is valid
  // until the next call.
  bool next(std::string_view& line);
  int64_t line_number() const { return line_number_; }

 private:
  bool fill();  // reads more of file_ into buffer_; false at end of file

  std::string_view text_;
  std::FILE* file_ = nullptr;
  std::string name_;
  std::unique_ptr<char[]> buffer_;  // file mode: bytes [start_, end_) are unconsumed
  size_t capacity_ = 0;
  size_t end_ = 0;
  size_t start_ = 0;  // first unconsumed byte of buffer_ (file) or text_
  bool file_eof_ = false;
  int64_t line_number_ = 0;
};

}  // namespace faultline::detail
