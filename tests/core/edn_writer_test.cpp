// The EDN writer and the EDN <-> JSON mappings the history formats use.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <sstream>

#include "faultline/core/edn.h"

using namespace faultline;

namespace {
void check_round_trip(std::string_view text) {
  INFO("input: " << text);
  const EdnValue v = parse_edn(text);
  const std::string written = to_edn_string(v);
  INFO("written: " << written);
  CHECK(parse_edn(written) == v);
}

// A random EDN value of bounded depth, for the writer round-trip property.
EdnValue random_value(std::mt19937_64& rng, int depth) {
  std::uniform_int_distribution<int> pick(0, depth > 0 ? 15 : 10);
  const int kind = pick(rng);
  auto small = [&](int n) { return std::uniform_int_distribution<int>(0, n)(rng); };
  switch (kind) {
    case 0: return EdnValue::nil();
    case 1: return EdnValue::boolean_of(small(1) == 1);
    case 2: return EdnValue::int_of(static_cast<int64_t>(rng()));
    case 3: return EdnValue::float_of(std::uniform_real_distribution<double>(-1e6, 1e6)(rng));
    case 4: {
      std::string s;
      for (int i = small(6); i > 0; --i) s.push_back(static_cast<char>(small(127)));
      s += "\xC3\xA9";
      return EdnValue::string_of(s);
    }
    case 5: return EdnValue::keyword_of(small(1) ? "read" : "jepsen/op-" + std::to_string(small(9)));
    case 6: return EdnValue::symbol_of(small(1) ? "foo.bar" : "-x?");
    case 7: return EdnValue::char_of(static_cast<char32_t>(small(1) ? small(127) : 0x1F600));
    case 8: {
      EdnValue v;
      v.kind = EdnKind::BigInt;
      v.text = "-123456789012345678901234567890";
      return v;
    }
    case 9: {
      EdnValue v = parse_edn("22/7");
      return v;
    }
    case 10: return parse_edn("3.25M");
    default: {
      static const EdnKind kColl[] = {EdnKind::List, EdnKind::Vector, EdnKind::Map, EdnKind::Set,
                                      EdnKind::Tagged};
      const EdnKind k = kColl[kind - 11];
      std::vector<EdnValue> items;
      const int n = k == EdnKind::Tagged ? 1 : small(4) * (k == EdnKind::Map ? 2 : 1);
      for (int i = 0; i < n; ++i) items.push_back(random_value(rng, depth - 1));
      EdnValue v = EdnValue::collection_of(k, std::move(items));
      if (k == EdnKind::Tagged) v.text = "my/tag";
      return v;
    }
  }
}
}  // namespace

TEST_CASE("EDN writer output reads back to the same value") {
  for (std::string_view text : {
           "nil", "true", "false", "0", "-42", "9223372036854775807", "123456789012345678901234N",
           "12N", "1.5", "-0.0", "1e300", "100.0", "2.5M", "1/3", "##Inf", "##-Inf", "##NaN",
           R"("a\"b\\c\nd\te\u0001f")", "\\a", "\\newline", "\\space", "\\tab", "\\return",
           "\\formfeed", "\\backspace", "\\u00e9", "\\u0000", ":kw", ":ns/kw", "sym", "ns/sym",
           "[1 [2 [3]] ()]", "(1 2)", "{:a 1, \"b\" [2], [3] #{4}}", "#{}", "{}",
           R"(#inst "2015-01-01T00:00:00Z")", R"(#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")",
           "#my/tag {:a 1}"}) {
    check_round_trip(text);
  }
  CHECK(to_edn_string(parse_edn("{:a 1 :b [1 2]}")) == "{:a 1, :b [1 2]}");
  CHECK(to_edn_string(parse_edn("#{1 2}")) == "#{1 2}");
  CHECK(to_edn_string(parse_edn("100.0")) == "100.0");
  CHECK(to_edn_string(parse_edn("\\u00e9")) == "\\u00e9");
  std::ostringstream os;
  os << parse_edn("[:a \"b\"]");
  CHECK(os.str() == "[:a \"b\"]");
}

TEST_CASE("EDN writer round-trip on random values") {
  const uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 500; ++i) {
    const EdnValue v = random_value(rng, 3);
    const std::string text = to_edn_string(v);
    INFO("written: " << text);
    REQUIRE(parse_edn(text) == v);
  }
}

TEST_CASE("EDN to JSON mapping") {
  CHECK(edn_to_json(parse_edn("nil")).is_null());
  CHECK(edn_to_json(parse_edn(":read")) == "read");
  CHECK(edn_to_json(parse_edn("sym")) == "sym");
  CHECK(edn_to_json(parse_edn("\"s\"")) == "s");
  CHECK(edn_to_json(parse_edn("12")) == 12);
  CHECK(edn_to_json(parse_edn("12N")) == 12);  // a BigInt that fits stays a number
  CHECK(edn_to_json(parse_edn("123456789012345678901234567890")) ==
        "123456789012345678901234567890");
  CHECK(edn_to_json(parse_edn("-99999999999999999999N")) == "-99999999999999999999");
  CHECK(edn_to_json(parse_edn("1/4")) == 0.25);
  CHECK(edn_to_json(parse_edn("2.5M")) == 2.5);
  CHECK(edn_to_json(parse_edn("\\x")) == "x");
  CHECK(edn_to_json(parse_edn("\\u00e9")) == "\xC3\xA9");
  CHECK(edn_to_json(parse_edn(R"(#inst "2015-01-01T00:00:00Z")")) == "2015-01-01T00:00:00Z");
  CHECK(edn_to_json(parse_edn(R"(#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")")) ==
        "f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
  CHECK(edn_to_json(parse_edn("[[:read :x nil] (:write :y 2)]")) ==
        Json::parse(R"([["read","x",null],["write","y",2]])"));
  // Sets become arrays in a canonical order (numbers numerically, then by type).
  CHECK(edn_to_json(parse_edn("#{10 9 1}")) == Json::parse("[1,9,10]"));
  CHECK(edn_to_json(parse_edn("#{\"b\" \"a\"}")) == Json::parse(R"(["a","b"])"));
  CHECK(edn_to_json(parse_edn("#{3 1}")) == edn_to_json(parse_edn("#{1 3}")));
  // Map keys: names as themselves, anything else as EDN text.
  CHECK(edn_to_json(parse_edn("{:a 1, \"b\" 2, 3 4, [1 2] 5, nil 6}")) ==
        Json::parse(R"({"a":1,"b":2,"3":4,"[1 2]":5,"nil":6})"));
}

TEST_CASE("JSON to EDN text reads back to the same JSON") {
  const Json samples[] = {
      nullptr, true, 0, -5, 3.25, "plain", "with \"quotes\" and \n newline", Json::array(),
      Json::object(), Json::parse(R"({"a":[1,2,{"b":null}],"not a keyword":"x","1":2,"ns/k":3})"),
      Json::parse(R"([["read","x",null],["write","y",2]])"), 18446744073709551615.0,
  };
  for (const Json& j : samples) {
    std::string text;
    append_json_as_edn(j, text);
    INFO("json " << j.dump() << " edn " << text);
    CHECK(edn_to_json(parse_edn(text)) == j);
  }
  std::string text;
  append_json_as_edn(Json::parse(R"({"f":"read","a b":1})"), text);
  CHECK(text == R"({"a b" 1, :f "read"})");
  CHECK(is_plain_keyword_name("not-held"));
  CHECK(is_plain_keyword_name("a?"));
  CHECK_FALSE(is_plain_keyword_name(""));
  CHECK_FALSE(is_plain_keyword_name("1a"));
  CHECK_FALSE(is_plain_keyword_name("-1"));
  CHECK_FALSE(is_plain_keyword_name("a b"));
  CHECK_FALSE(is_plain_keyword_name("a/b"));
}
