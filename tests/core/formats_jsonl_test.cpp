#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "faultline/core/error.h"
#include "faultline/core/formats.h"
#include "test_util/temp_dir.h"

using namespace faultline;

namespace {
std::string error_of(std::string_view text, HistoryFormat fmt) {
  try {
    read_history_string(text, fmt, "t.jsonl");
  } catch (const ParseError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("format names round-trip") {
  for (auto f : {HistoryFormat::Auto, HistoryFormat::Jsonl, HistoryFormat::Edn,
                 HistoryFormat::JepsenLog}) {
    CHECK(history_format_from_string(to_string(f)) == f);
  }
  CHECK(to_string(HistoryFormat::JepsenLog) == "jepsen-log");
  CHECK_FALSE(history_format_from_string("json").has_value());
}

TEST_CASE("JSONL reader reads one op per line and skips blank lines") {
  const std::string text =
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n"
      "\n"
      "   \n"
      "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start\",\"value\":[\"n1\"],\"node\":\"n2\"}\r\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1,\"time\":17,\"extra\":{\"a\":1}}";
  History h = read_history_string(text, HistoryFormat::Jsonl);
  REQUIRE(h.size() == 3);
  CHECK(h[0].index == 0);
  CHECK(h[0].f == "write");
  CHECK(h[1].process == kNemesisProcess);
  CHECK(h[1].node == "n2");
  CHECK(h[2].index == 2);
  CHECK(h[2].time_ns == 17);
  CHECK(h[2].extra["extra"]["a"] == 1);
  h.pair();
  CHECK(h.completion(0) == 2);
}

TEST_CASE("JSONL errors carry file:line:col") {
  CHECK(error_of("{\"type\":\"ok\"}\n\n{\"type\":}\n", HistoryFormat::Jsonl)
            .rfind("t.jsonl:3:9: invalid JSON", 0) == 0);
  CHECK(error_of("{\"type\":\"ok\"}\n{\"type\":\"ok\",\"value\":[1,2\n", HistoryFormat::Jsonl)
            .rfind("t.jsonl:2:26: invalid JSON: syntax error", 0) == 0);
  CHECK(error_of("{\"type\":\"ok\"} x\n", HistoryFormat::Jsonl).rfind("t.jsonl:1:15: invalid JSON", 0) == 0);
  CHECK(error_of("[1,2]\n", HistoryFormat::Jsonl) ==
        "t.jsonl:1:1: invalid op: an op must be a JSON object");
  CHECK(error_of("{\"type\":\"ok\",\"process\":{\"a\":1}}\n", HistoryFormat::Jsonl) ==
        "t.jsonl:1:1: invalid op: \"process\" must be a non-negative integer or \"nemesis\"");
  CHECK(error_of("{\"f\":\"read\"}\n", HistoryFormat::Jsonl) ==
        "t.jsonl:1:1: invalid op: op has no \"type\"");
  CHECK(error_of("{\"type\":\"done\"}\n", HistoryFormat::Jsonl) ==
        "t.jsonl:1:1: invalid op: \"type\" must be invoke, ok, fail or info");
}

TEST_CASE("JSONL writer round-trips through the reader") {
  History h;
  Op a;
  a.process = 3;
  a.type = OpType::Invoke;
  a.f = "cas";
  a.value = Json::array({1, 2});
  a.key = "k1";
  a.time_ns = 99;
  h.add(a);
  Op b = a;
  b.index = -1;
  b.type = OpType::Fail;
  b.error = "timed-out";
  b.extra = Json{{"attempt", 2}};
  h.add(b);
  std::ostringstream out;
  write_history_jsonl(h, out);
  History back = read_history_string(out.str(), HistoryFormat::Auto);
  REQUIRE(back.size() == h.size());
  for (size_t i = 0; i < h.size(); ++i) CHECK(op_to_json(back[i]) == op_to_json(h[i]));
}

TEST_CASE("JsonlHistoryWriter appends and flushes every op") {
  const faultline::test::TempDir tmp("faultline-jsonl-writer");  // removed whatever happens
  const std::string path = tmp.file("jsonl_writer_test.jsonl");
  {
    JsonlHistoryWriter w(path, /*fsync_each=*/true);
    Op op;
    op.process = 1;
    op.f = "read";
    w.append(op);
    // Visible to a reader before the writer is closed: what a crash would leave behind.
    History mid = read_history_file(path);
    REQUIRE(mid.size() == 1);
    CHECK(mid[0].f == "read");
    op.type = OpType::Ok;
    op.value = 5;
    w.append(op);
  }
  HistoryFormat detected = HistoryFormat::Auto;
  History h = read_history_file(path, HistoryFormat::Auto, &detected);
  CHECK(detected == HistoryFormat::Jsonl);
  REQUIRE(h.size() == 2);
  CHECK(h[1].value == 5);
  std::remove(path.c_str());
  CHECK_THROWS_AS(JsonlHistoryWriter("/nonexistent-dir/x.jsonl"), std::runtime_error);
  CHECK_THROWS_AS(read_history_file("/nonexistent-dir/x.jsonl"), std::runtime_error);
}

TEST_CASE("sniffing tells the formats apart") {
  CHECK(sniff_history_format("{\"type\":\"ok\"}") == HistoryFormat::Jsonl);
  CHECK(sniff_history_format("\n  {  \"type\":\"ok\"}") == HistoryFormat::Jsonl);
  CHECK(sniff_history_format("{:type :ok}") == HistoryFormat::Edn);
  CHECK(sniff_history_format("; comment\n[{:type :ok}]") == HistoryFormat::Edn);
  CHECK(sniff_history_format("{\n :type :ok}") == HistoryFormat::Edn);
  CHECK(sniff_history_format("#jepsen.history.Op{:type :ok}") == HistoryFormat::Edn);
  CHECK(sniff_history_format("INFO  jepsen.util - 0\t:invoke\t:read\tnil\n") ==
        HistoryFormat::JepsenLog);
  CHECK(sniff_history_format("2015-05-01 10:00:00,123{main} INFO jepsen.core - Running\n") ==
        HistoryFormat::JepsenLog);
  CHECK(sniff_history_format("hello world\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n") ==
        HistoryFormat::JepsenLog);
  CHECK(sniff_history_format("") == HistoryFormat::Jsonl);
  CHECK(sniff_history_format("hello world\n") == HistoryFormat::Auto);
  CHECK(error_of("hello", HistoryFormat::Auto).rfind("t.jsonl:1:1: cannot tell", 0) == 0);
  CHECK(sniff_history_format("[{\"type\":\"ok\"}]") == HistoryFormat::Auto);
  CHECK(sniff_history_format("[\n  {\n \"type\":\"ok\"}]") == HistoryFormat::Auto);
  CHECK(sniff_history_format("[{:type :ok}]") == HistoryFormat::Edn);
  CHECK(sniff_history_format("[]") == HistoryFormat::Edn);
  CHECK(error_of("[{\"type\":\"ok\"}]", HistoryFormat::Auto)
            .rfind("t.jsonl:1:1: this looks like a JSON array of ops", 0) == 0);
}

TEST_CASE("the streaming JSONL reader follows op_from_json's rules exactly") {
  // Each line through the SAX reader and through op_from_json(DOM): same op, or both reject.
  const char* lines[] = {
      R"({"type":"ok"})",
      R"({"type":":invoke","process":3,"f":"cas","value":[1,2],"time":5})",
      R"({"type":"info","process":"nemesis","f":"start","value":{"a":[1,{"b":null}],"c":"d"}})",
      R"({"type":"info","process":":nemesis"})",
      R"({"type":"fail","process":null,"error":["not-found","x"],"key":{"k":1}})",
      R"({"type":"ok","time":1.5e3,"index":7,"node":"n1"})",
      R"({"type":"ok","extra1":[[]],"extra2":{},"extra3":-1,"extra4":18446744073709551615})",
      R"({"value":1,"type":"ok","value":2})",
      R"({"type":"ok","value":-0.5,"f":"","weird key \" ":true})",
      R"({"type":"ok","index":1.5})",
      R"({"type":"ok","time":"x"})",
      R"({"type":"ok","process":-3})",
      R"({"type":"ok","process":"n1"})",
      R"({"type":"ok","process":[1]})",
      R"({"type":5})",
      R"({"type":"bad"})",
      R"({"type":"ok","f":3})",
      R"({"type":"ok","node":null})",
      R"({"type":"ok","node":{"a":1}})",
      R"({"f":"read"})",
      R"("just a string")",
      R"(17)",
  };
  for (const char* line : lines) {
    INFO(line);
    bool dom_ok = true, sax_ok = true;
    Op dom, sax;
    try {
      dom = op_from_json(Json::parse(line));
    } catch (const std::invalid_argument&) {
      dom_ok = false;
    }
    try {
      History h = read_history_string(line, HistoryFormat::Jsonl);
      REQUIRE(h.size() == 1);
      sax = h[0];
    } catch (const ParseError&) {
      sax_ok = false;
    }
    REQUIRE(dom_ok == sax_ok);
    if (dom_ok) {
      if (dom.index < 0) dom.index = 0;  // History::add numbers ops without an index
      CHECK(op_to_json(sax) == op_to_json(dom));
      CHECK(sax.extra.is_null() == dom.extra.is_null());
    }
  }
}
