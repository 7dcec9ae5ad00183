// Regression tests for reader crashes found by fuzzing and by hand (fuzz/, bench/fuzz.sh):
// each input once crashed `faultline check`; now each reads to the expected ops or to a
// ParseError with file:line:col.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "faultline/core/error.h"
#include "faultline/core/formats.h"

using namespace faultline;

namespace {

// Writes `text` byte for byte to a file in the build tree and returns its path.
std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = std::string(FAULTLINE_BINARY_DIR) + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace

TEST_CASE("a console-log op line without its value reads as value null", "[formats][regression]") {
  // The one-line input: SIGSEGV before the fix (a file whose last line has no '\n').
  const std::string line = "INFO  jepsen.util - 19\t:ok\t:read";
  for (const std::string& text : {line, line + "\n", line + "\t"}) {
    INFO("text " << text);
    const History s = read_history_string(text, HistoryFormat::JepsenLog);
    REQUIRE(s.size() == 1);
    CHECK(s[0].process == 19);
    CHECK(s[0].type == OpType::Ok);
    CHECK(s[0].f == "read");
    CHECK(s[0].value.is_null());
    HistoryFormat detected = HistoryFormat::Auto;
    const History f = read_history_file(write_file("console_no_value.log", text),
                                        HistoryFormat::Auto, &detected);
    CHECK(detected == HistoryFormat::JepsenLog);
    REQUIRE(f.size() == 1);
    CHECK(f[0].value.is_null());
  }
}

TEST_CASE("a file whose last line has no newline reads completely", "[formats][regression]") {
  // LineSource used the line after its buffer had moved (use after free): every JSON Lines
  // or console-log file without a final '\n' crashed or read garbage.
  const std::string jsonl =
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":3}";
  const History j = read_history_file(write_file("no_final_newline.jsonl", jsonl),
                                      HistoryFormat::Jsonl);
  REQUIRE(j.size() == 2);
  CHECK(j[1].value == 3);
  const std::string log =
      "INFO  jepsen.util - 0\t:invoke\t:write\t4\nINFO  jepsen.util - 0\t:ok\t:write\t4";
  const History l = read_history_file(write_file("no_final_newline.log", log),
                                      HistoryFormat::JepsenLog);
  REQUIRE(l.size() == 2);
  CHECK(l[1].value == 4);
  // An error on that last line still names it.
  try {
    read_history_file(write_file("no_final_newline_bad.jsonl", jsonl + "\n{\"type\":"),
                      HistoryFormat::Jsonl);
    FAIL("no ParseError");
  } catch (const ParseError& e) {
    CHECK(e.pos().line == 3);
  }
}
