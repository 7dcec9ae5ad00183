// EDN (extensible data notation, https://github.com/edn-format/edn): a value tree, a reader and
// a writer. Jepsen, Knossos and Elle write their histories in EDN.
//
// The reader accepts: nil, true, false; integers (an `N` suffix or a value beyond int64 makes a
// BigInt kept as its decimal digits); floats (an `M` suffix makes a BigDecimal kept as text);
// ratios `n/d`; strings with \t \r \n \b \f \\ \" \uXXXX escapes (UTF-16 surrogate pairs
// combine); characters (\a, \newline, \return, \space, \tab, \formfeed, \backspace, \uXXXX,
// \oNNN, any single UTF-8 character); keywords and symbols (with an optional namespace
// `ns/name`); lists, vectors, maps, sets; `;` comments and `#!` lines; commas as whitespace;
// `#_` discards the next form; `##Inf`, `##-Inf`, `##NaN`; tagged literals `#tag form`.
// Tags: a tag with a '.' applied to a map (a record literal, `#jepsen.history.Op{...}`) reads as
// that map; every other tag (#inst, #uuid, user tags) is kept as a Tagged value.
// Nesting deeper than kMaxEdnDepth is rejected (bounded recursion).
//
// Errors are ParseError "file:line:col: what is wrong", the position being where the problem
// is: the opening quote of an unterminated string, the opening delimiter of an unterminated
// collection, the stray delimiter, the start of a bad token, the backslash of a bad escape, the
// opening brace of a map with an odd number of forms.
#pragma once
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/core/op.h"

namespace faultline {

inline constexpr int kMaxEdnDepth = 512;

enum class EdnKind : uint8_t {
  Nil, Bool, Int, BigInt, Float, BigDecimal, Ratio, Char, String, Keyword, Symbol,
  List, Vector, Map, Set, Tagged,
};
std::string_view to_string(EdnKind k);

struct EdnValue {
  EdnKind kind = EdnKind::Nil;
  bool boolean = false;    // Bool
  int64_t integer = 0;     // Int
  double number = 0;       // Float, BigDecimal and Ratio (approximation for the last two)
  char32_t character = 0;  // Char (a Unicode code point)
  // String: its contents (UTF-8, escapes resolved). Keyword/Symbol: the name without ':'
  // ("ns/name" when namespaced). BigInt: sign and digits, no N. BigDecimal: the literal without
  // M. Ratio: "n/d". Tagged: the tag without '#'.
  std::string text;
  // List/Vector/Set: the elements in input order. Map: keys and values alternating
  // (k0, v0, k1, v1, ...), in input order. Tagged: exactly one element, the tagged form.
  std::vector<EdnValue> items;
  // Where the form starts in its input (1-based); 0 when built in code.
  int64_t line = 0;
  int64_t col = 0;

  // Structural equality (ignores positions; maps and sets compare in item order).
  friend bool operator==(const EdnValue& a, const EdnValue& b);

  bool is_collection() const {
    return kind == EdnKind::List || kind == EdnKind::Vector || kind == EdnKind::Map ||
           kind == EdnKind::Set;
  }
  size_t map_size() const { return items.size() / 2; }
  // Map lookup of a keyword key by name (":type" → find_keyword("type")); null if absent.
  const EdnValue* find_keyword(std::string_view name) const;

  // Builders, for tests and code that emits EDN.
  static EdnValue nil() { return EdnValue{}; }
  static EdnValue boolean_of(bool b);
  static EdnValue int_of(int64_t i);
  static EdnValue float_of(double d);
  static EdnValue string_of(std::string s);
  static EdnValue keyword_of(std::string name);
  static EdnValue symbol_of(std::string name);
  static EdnValue char_of(char32_t c);
  static EdnValue collection_of(EdnKind kind, std::vector<EdnValue> items);
};

// Reads the forms of one EDN text in order (streaming: one top-level form per next()).
class EdnReader {
 public:
  explicit EdnReader(std::string_view text, std::string name = "<string>");
  ~EdnReader();
  EdnReader(const EdnReader&) = delete;
  EdnReader& operator=(const EdnReader&) = delete;

  // Reads the next top-level form into out; false at end of input. Throws ParseError.
  bool next(EdnValue& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Exactly one form (surrounding whitespace and comments allowed); throws ParseError otherwise.
EdnValue parse_edn(std::string_view text, const std::string& name = "<string>");
// Every top-level form.
std::vector<EdnValue> parse_edn_all(std::string_view text, const std::string& name = "<string>");

// Writer: output reads back (parse_edn) to an equal value. Floats print with 17 significant
// digits; strings and chars escape what EDN requires.
void append_edn(const EdnValue& v, std::string& out);
std::string to_edn_string(const EdnValue& v);
std::ostream& operator<<(std::ostream& os, const EdnValue& v);

// EDN → JSON, as the history readers map values:
//   nil → null; booleans; Int → integer; BigInt → integer when it fits int64, else a string of
//   its digits; Float/BigDecimal/Ratio → double; Char → a one-character string; String,
//   Keyword, Symbol → string (keywords without ':'); List/Vector → array; Set → array sorted
//   with nlohmann::json's operator< (canonical order: sets have none); Map → object whose keys
//   are the string/keyword/symbol names, other keys printed as EDN text; #inst/#uuid and every
//   other Tagged → the JSON of the tagged form.
Json edn_to_json(const EdnValue& v);

// JSON → EDN text (the EDN history writer's values): null → nil, arrays → vectors, objects →
// maps whose keys are keywords when the key is a plain name (else strings), strings → strings.
// edn_to_json(parse_edn(append_json_as_edn(j))) == j for every JSON value without NaN/Inf.
void append_json_as_edn(const Json& j, std::string& out);
// True if s can be written as the keyword `:s` and read back as the same name.
bool is_plain_keyword_name(std::string_view s);

}  // namespace faultline
