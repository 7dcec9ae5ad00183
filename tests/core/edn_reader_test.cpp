// The EDN reader: every form it accepts, and malformed input of each kind at the right spot.
#include <catch2/catch.hpp>

#include <cmath>

#include "faultline/core/edn.h"
#include "faultline/core/error.h"

using namespace faultline;

namespace {
EdnValue one(std::string_view text) { return parse_edn(text, "t.edn"); }

// "line:col: message" of the ParseError the text raises (without the file name).
std::string error_of(std::string_view text) {
  try {
    parse_edn_all(text, "t.edn");
  } catch (const ParseError& e) {
    CHECK(e.pos().file == "t.edn");
    return std::to_string(e.pos().line) + ":" + std::to_string(e.pos().col) + ": " + e.message();
  }
  return "no error";
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }
}  // namespace

TEST_CASE("EDN scalars: nil, booleans, integers, floats, ratios") {
  CHECK(one("nil").kind == EdnKind::Nil);
  CHECK(one("true").boolean);
  CHECK(one("false").kind == EdnKind::Bool);
  CHECK_FALSE(one("false").boolean);
  CHECK(one("42").integer == 42);
  CHECK(one("-7").integer == -7);
  CHECK(one("+7").integer == 7);
  CHECK(one("0").integer == 0);
  CHECK(one("9223372036854775807").integer == INT64_MAX);
  CHECK(one("-9223372036854775808").integer == INT64_MIN);

  const EdnValue big = one("9223372036854775808");
  CHECK(big.kind == EdnKind::BigInt);
  CHECK(big.text == "9223372036854775808");
  const EdnValue bigneg = one("-123456789012345678901234567890");
  CHECK(bigneg.kind == EdnKind::BigInt);
  CHECK(bigneg.text == "-123456789012345678901234567890");
  const EdnValue n = one("12N");
  CHECK(n.kind == EdnKind::BigInt);
  CHECK(n.text == "12");

  CHECK(one("1.5").number == 1.5);
  CHECK(one("-2.5e3").number == -2500.0);
  CHECK(one("1e-2").number == Approx(0.01));
  CHECK(one("3.").number == 3.0);
  CHECK(one("1E+2").kind == EdnKind::Float);
  const EdnValue m = one("1.25M");
  CHECK(m.kind == EdnKind::BigDecimal);
  CHECK(m.text == "1.25");
  CHECK(m.number == 1.25);
  CHECK(one("##Inf").number == INFINITY);
  CHECK(one("##-Inf").number == -INFINITY);
  CHECK(std::isnan(one("##NaN").number));

  const EdnValue r = one("-1/4");
  CHECK(r.kind == EdnKind::Ratio);
  CHECK(r.text == "-1/4");
  CHECK(r.number == -0.25);
}

TEST_CASE("EDN strings with escapes") {
  CHECK(one(R"("plain")").text == "plain");
  CHECK(one(R"("a\tb\nc\rd\\e\"f\bg\fh")").text == "a\tb\nc\rd\\e\"f\bg\fh");
  CHECK(one(R"("\u00e9")").text == "\xC3\xA9");
  CHECK(one(R"("\u20AC")").text == "\xE2\x82\xAC");
  CHECK(one(R"("\uD83D\uDE00")").text == "\xF0\x9F\x98\x80");  // surrogate pair
  CHECK(one("\"multi\nline\"").text == "multi\nline");
  CHECK(one("\"raw \xC3\xA9\"").text == "raw \xC3\xA9");
  CHECK(one(R"("")").text.empty());
}

TEST_CASE("EDN characters") {
  CHECK(one(R"(\a)").character == U'a');
  CHECK(one(R"(\newline)").character == U'\n');
  CHECK(one(R"(\space)").character == U' ');
  CHECK(one(R"(\tab)").character == U'\t');
  CHECK(one(R"(\return)").character == U'\r');
  CHECK(one(R"(\formfeed)").character == U'\f');
  CHECK(one(R"(\backspace)").character == U'\b');
  CHECK(one(R"(\u00e9)").character == U'\u00e9');
  CHECK(one(R"(\o101)").character == U'A');
  CHECK(one("\\\xC3\xA9").character == U'\u00e9');
  CHECK(one(R"(\()").character == U'(');
  CHECK(one(R"([\a \b \c])").items.size() == 3);
  // As in Clojure, a character runs to the next delimiter: "\a\b" is one (bad) literal.
  CHECK_THROWS_WITH(parse_edn(R"([\a\b])", "t.edn"), "t.edn:1:2: bad character literal '\\a\\b'");
}

TEST_CASE("EDN keywords and symbols") {
  const EdnValue k = one(":read");
  CHECK(k.kind == EdnKind::Keyword);
  CHECK(k.text == "read");
  CHECK(one(":jepsen.history/op").text == "jepsen.history/op");
  CHECK(one(":not-held").text == "not-held");
  CHECK(one(":a?b!c*d+e<f>g=h").text == "a?b!c*d+e<f>g=h");
  const EdnValue s = one("foo.bar/baz");
  CHECK(s.kind == EdnKind::Symbol);
  CHECK(s.text == "foo.bar/baz");
  CHECK(one("/").kind == EdnKind::Symbol);
  CHECK(one("-").kind == EdnKind::Symbol);
  CHECK(one("+").kind == EdnKind::Symbol);
  CHECK(one("a#b").text == "a#b");
  CHECK(one("nil?").kind == EdnKind::Symbol);
}

TEST_CASE("EDN collections, comments, commas and discards") {
  const EdnValue v = one("[1, 2 ,3 ; a comment ]\n 4]");
  CHECK(v.kind == EdnKind::Vector);
  REQUIRE(v.items.size() == 4);
  CHECK(v.items[3].integer == 4);
  CHECK(v.items[3].line == 2);
  CHECK(v.items[3].col == 2);

  const EdnValue l = one("(a (b) ())");
  CHECK(l.kind == EdnKind::List);
  REQUIRE(l.items.size() == 3);
  CHECK(l.items[1].items.size() == 1);
  CHECK(l.items[2].items.empty());

  const EdnValue m = one("{:a 1, :b [2 3], \"c\" {:d nil}}");
  CHECK(m.kind == EdnKind::Map);
  CHECK(m.map_size() == 3);
  REQUIRE(m.find_keyword("b") != nullptr);
  CHECK(m.find_keyword("b")->items.size() == 2);
  CHECK(m.find_keyword("c") == nullptr);  // a string key, not a keyword

  const EdnValue s = one("#{1 :a \"x\"}");
  CHECK(s.kind == EdnKind::Set);
  CHECK(s.items.size() == 3);

  const EdnValue d = one("[1 #_ 2 3 #_ [4 5] #_#_ 6 7 8]");
  REQUIRE(d.items.size() == 3);
  CHECK(d.items[0].integer == 1);
  CHECK(d.items[1].integer == 3);
  CHECK(d.items[2].integer == 8);
  CHECK(one("{:a #_ :b 1}").map_size() == 1);
  CHECK(one("#_ 1 2").integer == 2);
  CHECK(one("#!/usr/bin/env shebang\n5").integer == 5);

  const auto all = parse_edn_all("; header\n{:a 1}\n{:a 2} [] #_ {:gone 1}\n;; trailing");
  REQUIRE(all.size() == 3);
  CHECK(all[1].line == 3);
}

TEST_CASE("EDN tagged literals and record literals") {
  const EdnValue inst = one(R"(#inst "2015-05-01T10:00:00.000-00:00")");
  CHECK(inst.kind == EdnKind::Tagged);
  CHECK(inst.text == "inst");
  REQUIRE(inst.items.size() == 1);
  CHECK(inst.items[0].text == "2015-05-01T10:00:00.000-00:00");
  const EdnValue uuid = one(R"(#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")");
  CHECK(uuid.text == "uuid");
  const EdnValue custom = one("#my/tag [1 2]");
  CHECK(custom.kind == EdnKind::Tagged);
  CHECK(custom.text == "my/tag");
  CHECK(custom.items[0].kind == EdnKind::Vector);

  const EdnValue rec = one("#jepsen.history.Op{:index 0, :type :invoke, :f :read}");
  CHECK(rec.kind == EdnKind::Map);
  CHECK(rec.map_size() == 3);
  CHECK(rec.find_keyword("f")->text == "read");
  CHECK(rec.line == 1);
  CHECK(rec.col == 1);
  CHECK(one("#jepsen.history.Op #_ 1 {:a 1}").kind == EdnKind::Map);
}

TEST_CASE("EDN positions are 1-based line and byte column") {
  const EdnValue v = one("\n\n  {:a\n   [x \"s\"]}");
  CHECK(v.line == 3);
  CHECK(v.col == 3);
  const EdnValue& vec = v.items[1];
  CHECK(vec.line == 4);
  CHECK(vec.col == 4);
  CHECK(vec.items[1].col == 7);
}

TEST_CASE("malformed EDN: unterminated strings and collections") {
  CHECK(starts_with(error_of("[1 2\n \"abc"), "2:2: unterminated string"));
  CHECK(starts_with(error_of("{:a 1\n :b [1 2 3}"), "2:11: unmatched delimiter '}': expected ']' to close the vector opened at 2:5"));
  CHECK(starts_with(error_of("\n  [1 2\n3"), "2:3: unterminated vector: '[' is never closed (input ends at 3:2)"));
  CHECK(starts_with(error_of("(a (b c)"), "1:1: unterminated list"));
  CHECK(starts_with(error_of("{:a 1"), "1:1: unterminated map"));
  CHECK(starts_with(error_of("#{1 2"), "1:1: unterminated set"));
  CHECK(starts_with(error_of("\"abc\\"), "1:1: unterminated string"));
}

TEST_CASE("malformed EDN: unmatched delimiters and odd maps") {
  CHECK(error_of("1 2 )") == "1:5: unmatched delimiter ')'");
  CHECK(error_of("[1 2]\n  ]") == "2:3: unmatched delimiter ']'");
  CHECK(starts_with(error_of("(1 2]"), "1:5: unmatched delimiter ']': expected ')' to close the list opened at 1:1"));
  CHECK(starts_with(error_of("x\n {:a 1 :b}"), "2:2: map literal has an odd number of forms (3)"));
  CHECK(starts_with(error_of("{:a #_ 1}"), "1:1: map literal has an odd number of forms (1)"));
}

TEST_CASE("malformed EDN: bad tokens, keywords, escapes, chars, dispatch") {
  CHECK(error_of("[1 2 @foo]") == "1:6: bad token '@foo'");
  CHECK(error_of("12abc") == "1:1: bad token '12abc'");
  CHECK(error_of("1.2.3") == "1:1: bad token '1.2.3'");
  CHECK(error_of("1e") == "1:1: bad token '1e'");
  CHECK(error_of(".5") == "1:1: bad token '.5'");
  CHECK(error_of("a/b/c") == "1:1: bad token 'a/b/c'");
  CHECK(starts_with(error_of("007"), "1:1: bad number '007'"));
  CHECK(starts_with(error_of("1/0"), "1:1: bad ratio '1/0'"));
  CHECK(error_of("1/x") == "1:1: bad token '1/x'");
  CHECK(starts_with(error_of("[:a ::b]"), "1:5: bad keyword '::b'"));
  CHECK(starts_with(error_of("[: 1]"), "1:2: bad keyword ':'"));
  CHECK(starts_with(error_of("\"ok\" \"a\\qb\""), "1:8: bad escape '\\q' in string"));
  CHECK(starts_with(error_of("\n\"\\u12G4\""), "2:2: bad \\u escape: expected 4 hex digits"));
  CHECK(starts_with(error_of("\"\\uD83D x\""), "1:2: bad \\u escape: UTF-16 high surrogate"));
  CHECK(starts_with(error_of("\"\\uDE00\""), "1:2: bad \\u escape: lone UTF-16 low surrogate"));
  CHECK(error_of("[\\newlin]") == "1:2: bad character literal '\\newlin'");
  CHECK(error_of("\\u12") == "1:1: bad character literal '\\u12'");
  CHECK(starts_with(error_of("x \\"), "1:3: character literal '\\' at end of input"));
  CHECK(starts_with(error_of("#:ns{:a 1}"), "1:1: bad dispatch '#' followed by ':'"));
  CHECK(starts_with(error_of("##Foo"), "1:1: bad symbolic value '##Foo'"));
  CHECK(starts_with(error_of("[#inst]"), "1:2: tag #inst is not followed by a form"));
  CHECK(starts_with(error_of("#inst 5"), "1:7: #inst must be followed by a string"));
  CHECK(starts_with(error_of("[1 #_]"), "1:4: #_ must be followed by a form to discard"));
  CHECK(starts_with(error_of("#_"), "1:1: #_ must be followed by a form to discard"));
}

TEST_CASE("parse_edn wants exactly one form; nesting is bounded") {
  CHECK_THROWS_WITH(parse_edn("  ; nothing\n", "t.edn"),
                    "t.edn:2:1: expected an EDN form, found end of input");
  CHECK_THROWS_WITH(parse_edn("1 2", "t.edn"), "t.edn:1:3: expected one EDN form, found a second one");
  const std::string deep(kMaxEdnDepth + 10, '[');
  CHECK_THROWS_AS(parse_edn(deep), ParseError);
  const std::string ok = std::string(100, '[') + std::string(100, ']');
  CHECK(parse_edn(ok).kind == EdnKind::Vector);
}
