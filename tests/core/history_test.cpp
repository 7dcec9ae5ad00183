#include <catch2/catch.hpp>

#include "faultline/core/error.h"
#include "faultline/core/history.h"

using namespace faultline;

namespace {
Op mk(int64_t p, OpType t, const char* f, Json v = nullptr) {
  Op op;
  op.process = p;
  op.type = t;
  op.f = f;
  op.value = std::move(v);
  return op;
}
}  // namespace

TEST_CASE("pairing matches completions to invocations by process") {
  History h;
  h.add(mk(0, OpType::Invoke, "write", 1));
  h.add(mk(1, OpType::Invoke, "read"));
  h.add(mk(1, OpType::Ok, "read", 1));
  h.add(mk(0, OpType::Ok, "write", 1));
  h.pair();
  CHECK(h.completion(0) == 3);
  CHECK(h.completion(1) == 2);
  CHECK(h.invocation(3) == 0);
  CHECK(h.invocation(2) == 1);
  CHECK(h.invocation(0) == -1);
}

TEST_CASE("a process reused after info becomes a fresh logical process") {
  History h;
  h.add(mk(3, OpType::Invoke, "write", 1));
  h.add(mk(3, OpType::Info, "write", 1));
  h.add(mk(3, OpType::Invoke, "read"));
  h.add(mk(3, OpType::Ok, "read", 1));
  h.pair();
  CHECK(h.logical_process(0) == 3);
  CHECK(h.logical_process(1) == 3);
  CHECK(h.logical_process(2) != 3);
  CHECK(h.logical_process(3) == h.logical_process(2));
}

TEST_CASE("pending invocations stay unpaired; orphan completions are errors") {
  History h;
  h.add(mk(0, OpType::Invoke, "write", 1));
  h.pair();
  CHECK(h.completion(0) == -1);

  History bad;
  bad.add(mk(0, OpType::Ok, "read", 1));
  CHECK_THROWS_AS(bad.pair(), HistoryError);

  History twice;
  twice.add(mk(0, OpType::Invoke, "read"));
  twice.add(mk(0, OpType::Invoke, "read"));
  CHECK_THROWS_AS(twice.pair(), HistoryError);
}

TEST_CASE("ops round-trip through JSON") {
  Op op = mk(kNemesisProcess, OpType::Info, "start-partition", Json::array({"n1", "n2"}));
  op.index = 7;
  op.time_ns = 1234;
  op.node = "n1";
  Json j = op_to_json(op);
  CHECK(j["process"] == "nemesis");
  Op back = op_from_json(j);
  CHECK(back.process == kNemesisProcess);
  CHECK(back.type == OpType::Info);
  CHECK(back.value == op.value);
  CHECK(back.node == op.node);
  CHECK(op_to_json(back) == j);
  CHECK_THROWS_AS(op_from_json(Json{{"f", "read"}}), std::invalid_argument);
}

TEST_CASE("Jepsen nemesis info/info pairs pair up") {
  History h;
  h.add(mk(kNemesisProcess, OpType::Info, "start", nullptr));
  h.add(mk(0, OpType::Invoke, "read"));
  h.add(mk(kNemesisProcess, OpType::Info, "start", "Cut off"));
  h.add(mk(0, OpType::Ok, "read", 1));
  h.add(mk(kNemesisProcess, OpType::Info, "stop", nullptr));  // still open at the end
  h.pair();
  CHECK(h.invocation(0) == -1);
  CHECK(h.completion(0) == 2);
  CHECK(h.invocation(2) == 0);
  CHECK(h.completion(4) == -1);
  CHECK(h.completion(1) == 3);

  History client_info;  // a client's info still needs an invocation
  client_info.add(mk(2, OpType::Info, "read"));
  CHECK_THROWS_AS(client_info.pair(), HistoryError);
}
