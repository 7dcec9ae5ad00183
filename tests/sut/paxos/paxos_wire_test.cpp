// JSON wire and record encoding of the Multi-Paxos daemon: every message and record kind
// round-trips, and malformed input is refused with a WireError naming the problem.
#include <catch2/catch.hpp>

#include "faultline/paxos/wire.h"

using namespace faultline::paxos;

TEST_CASE("paxos wire: messages round-trip", "[paxos][wire]") {
  MemberNames names({"n3", "n1", "n2"});
  CHECK(names.id("n1") == 0);
  CHECK(names.name(2) == "n3");
  const Value v{"n1.1.7", R"({"op":"write","key":"k","value":3})"};
  const Ballot b{7, 2};
  std::vector<Message> messages{
      Prepare{b, 4},
      Promise{b, {PromiseEntry{4, Ballot{6, 1}, v, false}, PromiseEntry{5, Ballot{}, Value::noop(), true}}},
      Nack{b, Ballot{8, 0}},
      Accept{b, 9, v, 3},
      Accepted{b, 9},
      Heartbeat{b, 10},
      HeartbeatAck{b, 2},
      Learn{b, {ChosenEntry{2, v}, ChosenEntry{3, Value::noop()}}}};
  for (const Message& m : messages) {
    Envelope e{2, 0, m};
    nlohmann::json j = encode_message(e, names);
    CHECK(j.at("from") == "n3");
    CHECK(j.contains("rpc"));
    Envelope back = decode_message(nlohmann::json::parse(j.dump()), 0, names);
    CHECK(back.from == 2);
    CHECK(back.message.index() == m.index());
    CHECK(encode_message(back, names) == j);
  }
}

TEST_CASE("paxos wire: records round-trip", "[paxos][wire]") {
  MemberNames names({"a", "b", "c"});
  std::vector<PersistRecord> records{PromiseRecord{Ballot{2, 1}},
                                     AcceptRecord{3, Ballot{2, 1}, Value{"x", "{}"}},
                                     ChosenRecord{3, Value::noop()}};
  for (const auto& r : records) {
    PersistRecord back = decode_record(encode_record(r, names), names);
    CHECK(back.index() == r.index());
    CHECK(encode_record(back, names) == encode_record(r, names));
  }
}

TEST_CASE("paxos wire: malformed input is refused with context", "[paxos][wire]") {
  MemberNames names({"a", "b"});
  using nlohmann::json;
  CHECK_THROWS_WITH(decode_message(json{{"rpc", "accept"}, {"from", "zz"}, {"b", {1, "a"}}}, 0, names),
                    Catch::Contains("unknown node id \"zz\""));
  CHECK_THROWS_WITH(decode_message(json{{"rpc", "accept"}, {"from", "a"}, {"b", {1, "a"}}}, 1, names),
                    Catch::Contains("missing field \"s\""));
  CHECK_THROWS_WITH(decode_message(json{{"rpc", "bogus"}, {"from", "a"}, {"b", {1, "a"}}}, 1, names),
                    Catch::Contains("unknown rpc"));
  CHECK_THROWS_WITH(decode_record("{\"t\":\"accept\",\"s\":-1}", names),
                    Catch::Contains("\"s\""));
  CHECK_THROWS_AS(decode_record("not json", names), WireError);
  CHECK_THROWS_WITH(MemberNames({"a", "a"}), Catch::Contains("twice"));
}
