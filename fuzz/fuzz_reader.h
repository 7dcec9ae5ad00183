// Shared body of the reader fuzz targets: parse the input in one format, pair it, and check
// the invariants every reader promises (formats.h):
//  - malformed input is a ParseError (file:line:col) and an unpairable history a HistoryError;
//    anything else escaping (another exception, a crash, a sanitizer report) is a bug;
//  - reading from a file (chunked, LineSource/ByteSource file mode) gives what reading the
//    same bytes from memory gives: the same number of ops, or a ParseError at the same spot;
//  - a history that parsed round-trips through JSON Lines and through EDN to the same number
//    of ops (the writers' output is always readable).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <unistd.h>

#include "faultline/core/error.h"
#include "faultline/core/formats.h"

namespace faultline::fuzz {

inline void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

inline void roundtrip(const History& h) {
  std::ostringstream jsonl, edn;
  write_history_jsonl(h, jsonl);
  write_history_edn(h, edn);
  const History a = read_history_string(jsonl.str(), HistoryFormat::Jsonl, "<roundtrip.jsonl>");
  require(a.size() == h.size(), "JSON Lines round trip changed the number of ops");
  const History b = read_history_string(edn.str(), HistoryFormat::Edn, "<roundtrip.edn>");
  require(b.size() == h.size(), "EDN round trip changed the number of ops");
}

// The input as a file: one temporary file per process, rewritten for every input and removed
// at exit.
inline const std::string& input_file(std::string_view text) {
  struct Tmp {
    std::string path;
    Tmp() {
      char name[] = "/tmp/faultline-fuzz-XXXXXX";
      const int fd = mkstemp(name);
      require(fd >= 0, "cannot create a temporary file");
      close(fd);
      path = name;
    }
    ~Tmp() { unlink(path.c_str()); }
  };
  static Tmp tmp;
  std::FILE* f = std::fopen(tmp.path.c_str(), "wb");
  require(f != nullptr, "cannot write the temporary file");
  require(std::fwrite(text.data(), 1, text.size(), f) == text.size(), "short write");
  std::fclose(f);
  return tmp.path;
}

inline int read_one(const uint8_t* data, size_t size, HistoryFormat fmt) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string& path = input_file(text);
  History h;
  SourcePos err;
  try {
    h = read_history_string(text, fmt, path);
  } catch (const ParseError& e) {
    require(e.pos().line >= 1 && e.pos().col >= 1, "parse error without a line:col");
    err = e.pos();
  }
  try {
    const History f = read_history_file(path, fmt);
    require(err.line == 0, "the file read, the same text in memory did not");
    require(f.size() == h.size(), "file and memory reads differ in the number of ops");
  } catch (const ParseError& e) {
    require(e.pos().line == err.line && e.pos().col == err.col,
            "file and memory reads fail at different places");
  }
  if (err.line != 0) return 0;
  roundtrip(h);
  try {
    h.pair();
  } catch (const HistoryError&) {
  }
  return 0;
}

}  // namespace faultline::fuzz
