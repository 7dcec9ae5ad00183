// The simdjson JSON Lines path against the exact reference (op_from_json over nlohmann's DOM,
// line by line): on thousands of mutated lines both accept the same lines with the same ops and
// reject the same lines; lines the fast path leaves to the exact reader (deep nesting, big
// numbers, "-0") read as before; errors keep file:line:col; the streaming reader hands over
// the ops in order.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "faultline/core/error.h"
#include "faultline/core/formats.h"

using namespace faultline;

namespace {

// Reference reading of a JSONL text: per non-blank line, op_from_json(Json::parse(line)).
// Returns false if any line is rejected.
bool reference_read(const std::string& text, std::vector<Op>& ops) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    start = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      ops.push_back(op_from_json(Json::parse(line)));
    } catch (const std::exception&) {
      return false;
    }
    if (ops.back().index < 0) ops.back().index = static_cast<int64_t>(ops.size()) - 1;
  }
  return true;
}

std::string error_of(const std::string& text) {
  try {
    read_history_string(text, HistoryFormat::Jsonl, "m.jsonl");
  } catch (const ParseError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("simdjson JSONL path equals the exact reader on mutated lines") {
  const std::vector<std::string> bases = {
      R"({"index":3,"time":17,"process":2,"type":"invoke","f":"write","key":12,"value":5})",
      R"({"process":"nemesis","type":"info","f":"start","value":["n1","n2"],"node":"n3"})",
      R"({"type":"ok","f":"txn","value":[["append",1,2],["r",3,[1,2,3]]],"process":0})",
      R"({"type":"fail","process":null,"error":{"code":-1.5e3,"why":"t\u00e9\n"},"x":[true,false,null]})",
      R"({"type":"ok","value":18446744073709551615,"key":-9223372036854775808,"extra":{"a":{}}})",
  };
  const char kBytes[] = "{}[]\":,\\ -+.eE0129nultrfasx\n\r\t\xC3\xA9";
  std::mt19937_64 rng(20261203);
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = bases[rng() % bases.size()];
    if (rng() % 3 == 0) text += "\n" + bases[rng() % bases.size()];
    const int edits = static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text.erase(at, 1); break;
        case 1: text.insert(at, 1, kBytes[rng() % (sizeof kBytes - 1)]); break;
        default: text[at] = kBytes[rng() % (sizeof kBytes - 1)]; break;
      }
    }
    INFO("input: " << text);
    std::vector<Op> expected;
    const bool ref_ok = reference_read(text, expected);
    bool fast_ok = true;
    History h;
    try {
      h = read_history_string(text, HistoryFormat::Jsonl, "m.jsonl");
    } catch (const ParseError& e) {
      fast_ok = false;
      CHECK(e.pos().line >= 1);
      CHECK(e.pos().col >= 1);
    }
    REQUIRE(fast_ok == ref_ok);
    if (!ref_ok) {
      ++rejected;
      continue;
    }
    ++accepted;
    REQUIRE(h.size() == expected.size());
    for (size_t k = 0; k < expected.size(); ++k) {
      CHECK(op_to_json(h[k]) == op_to_json(expected[k]));
      CHECK(h[k].extra.is_null() == expected[k].extra.is_null());
    }
  }
  // Both outcomes were exercised many times.
  CHECK(accepted > 2000);
  CHECK(rejected > 2000);
}

TEST_CASE("lines the fast path leaves to the exact reader read as before") {
  std::string deep = R"({"type":"ok","value":)";
  for (int i = 0; i < 3000; ++i) deep += '[';
  for (int i = 0; i < 3000; ++i) deep += ']';
  deep += "}";
  const std::string text = deep + "\n" +
                           R"({"type":"ok","value":123456789012345678901234567890})" "\n" +
                           R"({"type":"ok","value":-0,"key":1E2,"time":12.9})" "\n";
  History h = read_history_string(text, HistoryFormat::Jsonl);
  REQUIRE(h.size() == 3);
  CHECK(h[0].value.is_array());
  CHECK(h[1].value.is_number_float());
  CHECK(h[2].value.is_number_integer());
  CHECK(h[2].value == 0);
  CHECK(h[2].key.is_number_float());
  CHECK(h[2].time_ns == 12);
}

TEST_CASE("JSONL errors after the switch keep file:line:col") {
  const std::string good = R"({"type":"invoke","process":0,"f":"read"})";
  CHECK(error_of(good + "\n" + good + "\n{\"type\":\"ok\",\"value\":tru}\n")
            .rfind("m.jsonl:3:", 0) == 0);
  CHECK(error_of(good + "\n{\"type\":\"ok\"}{\"type\":\"ok\"}\n").rfind("m.jsonl:2:14: invalid JSON", 0) ==
        0);
  CHECK(error_of(good + "\n{\"type\":\"ok\",\n\"f\":\"read\"}\n").rfind("m.jsonl:2:", 0) == 0);
  CHECK(error_of("{\"type\":\"ok\",\"value\":\"\xC3\"}\n").rfind("m.jsonl:1:", 0) == 0);
  CHECK(error_of("{\"type\":\"ok\",\"value\":\"a\tb\"}\n").rfind("m.jsonl:1:", 0) == 0);
  CHECK(error_of("{\"type\":\"ok\",\"value\":\"\\ud800\"}\n").rfind("m.jsonl:1:", 0) == 0);
  CHECK(error_of("{\"type\":\"ok\",\"value\":01}\n").rfind("m.jsonl:1:", 0) == 0);
  CHECK(error_of("{\"type\":\"ok\",\"value\":[1,]}\n").rfind("m.jsonl:1:", 0) == 0);
  CHECK(error_of("{\"type\":\"ok\",}\n").rfind("m.jsonl:1:", 0) == 0);
  CHECK(error_of("{\"type\":\"ok\"}}\n").rfind("m.jsonl:1:", 0) == 0);
  CHECK(error_of("{\"type\":\"ok\",\"time\":true}\n") ==
        "m.jsonl:1:1: invalid op: \"time\" must be a number (ns)");
  CHECK(error_of("{\"type\":\"ok\",\"index\":1.5}\n") ==
        "m.jsonl:1:1: invalid op: \"index\" must be an integer");
}

TEST_CASE("HistoryFileReader streams a JSONL file op by op") {
  const std::string path =
      (std::filesystem::temp_directory_path() / "faultline_stream_test.jsonl").string();
  {
    std::ofstream f(path);
    for (int i = 0; i < 5000; ++i) {
      f << R"({"process":)" << i % 7 << R"(,"type":")" << (i % 2 ? "ok" : "invoke")
        << R"(","f":"write","value":)" << i << "}\n";
    }
    f << "{\"type\":\"ok\",\"value\":[}\n";
  }
  HistoryFileReader reader(path);
  CHECK(reader.format() == HistoryFormat::Jsonl);
  int64_t seen = 0;
  bool in_order = true;
  try {
    reader.read([&](Op&& op) {
      in_order = in_order && op.index == seen && op.value == seen;
      ++seen;
    });
    FAIL("the bad last line must throw");
  } catch (const ParseError& e) {
    CHECK(e.pos().line == 5001);
  }
  CHECK(seen == 5000);  // every op before the bad line was handed over
  CHECK(in_order);
  std::remove(path.c_str());
  CHECK_THROWS_AS(HistoryFileReader("/nonexistent-dir/x.jsonl"), std::runtime_error);
}
