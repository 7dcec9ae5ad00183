// Internal: the EDN parser over a ByteSource, shared by the public EdnReader and the streaming
// EDN history reader (which walks a file-wide vector one element at a time).
#pragma once
#include <string>

#include "faultline/core/edn.h"
#include "input_source.h"

namespace faultline::detail {

class EdnParser {
 public:
  explicit EdnParser(ByteSource& in) : in_(in) {}

  enum class Next { Form, Closed, End };

  // Reads the next form into out, skipping whitespace, comments and #_ discards.
  //  - Form:   out holds the form;
  //  - Closed: the byte `close` (']', ')' or '}') was found and consumed instead;
  //  - End:    end of input.
  // Any other closing delimiter is an "unmatched delimiter" ParseError. close = 0 at top level.
  Next next(EdnValue& out, char close = 0) { return read_form(out, close, 0); }

  // Skips whitespace and comments (not #_ forms); returns the next byte or ByteSource::kEof.
  int skip_whitespace();

  // Tells the parser a collection was opened by hand (the history reader streams a file-wide
  // vector): a wrong closing delimiter then names it.
  void enter_collection(EdnKind kind, int64_t line, int64_t col) {
    open_kind_ = kind;
    open_line_ = line;
    open_col_ = col;
  }

  ByteSource& source() { return in_; }
  [[noreturn]] void fail(int64_t line, int64_t col, const std::string& what) const;

 private:
  Next read_form(EdnValue& out, char close, int depth);
  void read_collection(EdnValue& out, EdnKind kind, char close, int depth);
  void read_string(EdnValue& out);
  void read_char(EdnValue& out);
  void read_dispatch(EdnValue& out, char close, int depth);  // after '#'
  void read_token_text(std::string& token);      // symbol/number/keyword characters
  void read_atom(EdnValue& out);                 // number, symbol, nil/true/false
  void read_keyword(EdnValue& out);
  uint32_t read_hex4(int64_t esc_line, int64_t esc_col, const char* what);

  ByteSource& in_;
  std::string token_;  // reused scratch buffer
  // The innermost open collection, for "expected ']' to close the vector opened at L:C".
  int64_t open_line_ = 0;
  int64_t open_col_ = 0;
  EdnKind open_kind_ = EdnKind::Nil;
};

// Appends the UTF-8 encoding of code point cp to out.
void append_utf8(char32_t cp, std::string& out);

}  // namespace faultline::detail
