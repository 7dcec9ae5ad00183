// Jepsen EDN histories and Jepsen console logs: op mapping, shapes, errors, EDN writer.
#include <catch2/catch.hpp>

#include <sstream>

#include "faultline/core/error.h"
#include "faultline/core/formats.h"

using namespace faultline;

namespace {
History edn(std::string_view text) { return read_history_string(text, HistoryFormat::Edn, "h.edn"); }
History log(std::string_view text) {
  return read_history_string(text, HistoryFormat::JepsenLog, "h.log");
}
std::string error_of(std::string_view text, HistoryFormat fmt) {
  try {
    read_history_string(text, fmt, "h");
  } catch (const ParseError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("EDN op maps become Ops") {
  const History h = edn(R"(
; a comment
[{:process 0, :type :invoke, :f :read, :value nil}
 {:process 0, :type :ok, :f :read, :value 3, :time 12345, :node "n1"}
 {:type :info, :f :start, :process :nemesis, :value "Cut off [:n3 #{:n4}]"}
 {:process 4, :type :fail, :f :release, :error :not-held, :index 9}
 {:process 3, :type :invoke, :f :txn, :value [[:read :x nil] [:write :y 2]], :custom #{:b :a}}
 {:process 1, :type :ok, :f :put, :key "k", :value 1N, :node :n2, "odd key" 1, 7 8}])");
  REQUIRE(h.size() == 6);
  CHECK(h[0].index == 0);
  CHECK(h[0].process == 0);
  CHECK(h[0].type == OpType::Invoke);
  CHECK(h[0].f == "read");
  CHECK(h[0].value.is_null());
  CHECK(h[1].value == 3);
  CHECK(h[1].time_ns == 12345);
  CHECK(h[1].node == "n1");
  CHECK(h[2].process == kNemesisProcess);
  CHECK(h[2].value == "Cut off [:n3 #{:n4}]");
  CHECK(h[3].error == "not-held");
  CHECK(h[3].index == 9);
  CHECK(h[4].value == Json::parse(R"([["read","x",null],["write","y",2]])"));
  CHECK(h[4].extra == Json::parse(R"({"custom":["a","b"]})"));
  CHECK(h[5].key == "k");
  CHECK(h[5].value == 1);
  CHECK(h[5].node == "n2");
  CHECK(h[5].extra == Json::parse(R"({"odd key":1,"7":8})"));
}

TEST_CASE("EDN histories: one map per line, record literals, no :process") {
  const History kv = edn(
      "{:process 0, :type :invoke, :f :append, :key \"0\", :value \"x 0 0 y\"}\n"
      "\n"
      "{:process 0, :type :ok, :f :append, :key \"0\", :value \"x 0 0 y\"}\n");
  REQUIRE(kv.size() == 2);
  CHECK(kv[1].index == 1);
  CHECK(kv[1].key == "0");

  const History rec = edn(
      "#jepsen.history.Op{:index 0, :time 1, :type :invoke, :process 0, :f :read, :value nil}\n"
      "#jepsen.history.Op{:index 1, :time 2, :type :ok, :process 0, :f :read, :value 5}\n");
  REQUIRE(rec.size() == 2);
  CHECK(rec[1].value == 5);

  // Elle's example: no :process and no :f; pairing matches completions in order.
  History elle = edn(
      "{:index 0 :type :invoke  :value [[:append 253 1] [:r 253 nil]]}\n"
      "{:index 1 :type :invoke, :value [[:r 253 nil]]}\n"
      "{:index 2 :type :ok      :value [[:append 253 1] [:r 253 [1]]]}\n"
      "{:index 3 :type :ok,     :value [[:r 253 [1]]]}\n");
  REQUIRE(elle.size() == 4);
  CHECK(elle[0].process == kNoProcess);
  CHECK(elle[0].f.empty());
  elle.pair();
  CHECK(elle.completion(0) == 2);
  CHECK(elle.completion(1) == 3);
  CHECK(elle.invocation(2) == 0);

  // Several top-level vectors and stray discards are fine too.
  CHECK(edn("[{:type :invoke}] #_ [{:type :ok}] ({:type :ok})").size() == 2);
  CHECK(edn("#_ [1 2]").size() == 0);
  CHECK(edn("#_ {:a 1} [{:type :invoke}]").size() == 1);
  CHECK(edn("").size() == 0);
}

TEST_CASE("EDN history errors point at the offending op or field") {
  CHECK(error_of("[{:type :invoke}\n {:f :read}]", HistoryFormat::Edn) ==
        "h:2:2: op map has no :type");
  CHECK(error_of("[{:type :invoke}\n 5]", HistoryFormat::Edn) ==
        "h:2:2: expected an op map {:type ..., :f ..., ...}, found a integer");
  CHECK(error_of("{:type :done}", HistoryFormat::Edn) ==
        "h:1:8: :type must be :invoke, :ok, :fail or :info, found keyword :done");
  CHECK(error_of("{:type :ok, :process -1}", HistoryFormat::Edn) ==
        "h:1:22: :process must be a non-negative integer or :nemesis, found integer -1");
  CHECK(error_of("{:type :ok, :time \"x\"}", HistoryFormat::Edn) ==
        "h:1:19: :time must be an integer (nanoseconds), found string \"x\"");
  CHECK(error_of("{:type :ok, :index :a}", HistoryFormat::Edn) ==
        "h:1:20: :index must be a non-negative integer, found keyword :a");
  CHECK(error_of("[{:type :invoke}\n{:type :ok}", HistoryFormat::Edn) ==
        "h:1:1: unterminated vector: '[' is never closed (input ends at 2:12)");
  CHECK(error_of("[{:type :invoke}\n{:type :ok})", HistoryFormat::Edn) ==
        "h:2:12: unmatched delimiter ')': expected ']' to close the vector opened at 1:1");
  CHECK(error_of("[{:type :invoke :f}]", HistoryFormat::Edn).rfind("h:1:2: map literal has an odd", 0) == 0);
}

TEST_CASE("Jepsen console log lines") {
  const History h = log(
      "2015-05-12 10:00:00,000{GMT}\tINFO\t[main] jepsen.core: Running test\n"
      "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 0\t:fail\t:read\t:timed-out\n"
      "INFO  jepsen.util - 2\t:invoke\t:cas\t[3 0]\n"
      "INFO  jepsen.util - 2\t:fail\t:cas\t[3 0]\n"
      "INFO  jepsen.util - 1\t:invoke\t:write\t4\n"
      "INFO  jepsen.util - 1\t:info\t:write\t:timed-out\n"
      "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"
      "INFO  jepsen.util - Some other message from jepsen.util\n"
      "WARN  jepsen.core - 5\t:invoke\t:read\tnil (not jepsen.util)\n"
      "INFO  jepsen.util - 3\t:invoke\t:read\tnil\r\n"
      "INFO  jepsen.util - 3\t:ok\t:read\t4\n"
      "INFO  jepsen.util - 4\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 4\t:fail\t:read\tnil\t:timed-out\n"
      "  at java.lang.Thread.run(Thread.java:745)\n");
  REQUIRE(h.size() == 11);
  CHECK(h[0].process == 0);
  CHECK(h[0].f == "read");
  CHECK(h[0].value.is_null());
  // :fail :read :timed-out: the keyword is the error, not a value read.
  CHECK(h[1].type == OpType::Fail);
  CHECK(h[1].error == "timed-out");
  CHECK(h[1].value.is_null());
  CHECK(h[2].value == Json::parse("[3,0]"));
  CHECK(h[3].type == OpType::Fail);
  CHECK(h[3].value == Json::parse("[3,0]"));
  CHECK(h[3].error.is_null());
  CHECK(h[5].type == OpType::Info);
  CHECK(h[5].error == "timed-out");
  CHECK(h[6].process == kNemesisProcess);
  CHECK(h[8].value == 4);
  CHECK(h[10].error == "timed-out");  // newer Jepsen: error in a fifth field
  CHECK(h[10].index == 10);
  History paired = h;
  paired.pair();
  CHECK(paired.completion(0) == 1);

  CHECK(error_of("INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2\n", HistoryFormat::JepsenLog) ==
        "h:1:36: unterminated vector: '[' is never closed (input ends at 1:40)");
  CHECK(error_of("\nINFO  jepsen.util - 0\t:ok\t:read\t1 2 3\n", HistoryFormat::JepsenLog) ==
        "h:2:37: unexpected text after the op's value and error");
}

TEST_CASE("sniffing picks the right reader") {
  HistoryFormat d = HistoryFormat::Auto;
  read_history_string("INFO  jepsen.util - 0\t:invoke\t:read\tnil\n", HistoryFormat::Auto, "x", &d);
  CHECK(d == HistoryFormat::JepsenLog);
  read_history_string("; c\n[{:type :invoke}]", HistoryFormat::Auto, "x", &d);
  CHECK(d == HistoryFormat::Edn);
  read_history_string("{:type :invoke}\n", HistoryFormat::Auto, "x", &d);
  CHECK(d == HistoryFormat::Edn);
  read_history_string("{\"type\":\"invoke\"}\n", HistoryFormat::Auto, "x", &d);
  CHECK(d == HistoryFormat::Jsonl);
}

TEST_CASE("EDN writer: one Jepsen-style map per line, round-trips") {
  History h;
  Op a;
  a.process = 0;
  a.type = OpType::Invoke;
  a.f = "txn";
  a.value = Json::parse(R"([["read","x",null],["write","y",2]])");
  a.time_ns = 100;
  h.add(a);
  Op b;
  b.process = kNemesisProcess;
  b.type = OpType::Info;
  b.f = "start-partition";
  b.value = "Cut off {\"n1\" [n2]}";
  b.node = "n3";
  h.add(b);
  Op c;
  c.process = 0;
  c.type = OpType::Fail;
  c.f = "weird f";
  c.error = Json::parse(R"(["not-found","lease not found"])");
  c.key = 17;
  c.extra = Json::parse(R"({"attempt":2,"sub map":{"k":[1.5,true]}})");
  h.add(c);
  Op d;  // no process, no f (Elle)
  d.type = OpType::Ok;
  d.value = Json::array();
  h.add(d);

  std::ostringstream out;
  write_history_edn(h, out);
  const std::string text = out.str();
  // Micro-op names are keywords, as Jepsen and Elle write them.
  CHECK(text.rfind("{:type :invoke, :f :txn, :value [[:read \"x\" nil] [:write \"y\" 2]], "
                   ":process 0, :time 100, :index 0}\n", 0) == 0);
  CHECK(text.find(":process :nemesis") != std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == 4);

  HistoryFormat detected = HistoryFormat::Auto;
  const History back = read_history_string(text, HistoryFormat::Auto, "w.edn", &detected);
  CHECK(detected == HistoryFormat::Edn);
  REQUIRE(back.size() == h.size());
  for (size_t i = 0; i < h.size(); ++i) {
    INFO("op " << i);
    CHECK(op_to_json(back[i]) == op_to_json(h[i]));
  }
}
