#include <catch2/catch.hpp>

#include "faultline/sut/address.h"
#include "faultline/sut/error.h"
#include "faultline/sut/protocol.h"

using namespace faultline::sut;

TEST_CASE("protocol: request validation names the problem") {
  CHECK_FALSE(validate_request({{"id", 1}, {"op", "read"}, {"key", "x"}}));
  CHECK_FALSE(validate_request({{"id", "a"}, {"op", "cas"}, {"key", "x"}, {"expected", 1},
                                {"value", 2}}));
  CHECK(validate_request({{"op", "read"}, {"key", "x"}}));            // no id
  CHECK(validate_request({{"id", 1}, {"op", "frob"}, {"key", "x"}}));  // unknown op
  CHECK(validate_request({{"id", 1}, {"op", "cas"}, {"key", "x"}, {"value", 2}}));
  CHECK(validate_request({{"id", 1}, {"op", "txn"}, {"ops", Json::array()}}));
  CHECK(validate_request(
      {{"id", 1}, {"op", "txn"}, {"ops", {{{"op", "txn"}, {"ops", Json::array()}}}}}));
  CHECK_FALSE(validate_request(
      {{"id", 1}, {"op", "txn"}, {"ops", {{{"op", "read"}, {"key", "k"}}}}}));
}

TEST_CASE("protocol: error codes round-trip and are classified") {
  for (auto e : {ErrorCode::NotLeader, ErrorCode::Unavailable, ErrorCode::CasMismatch,
                 ErrorCode::BadRequest, ErrorCode::Timeout, ErrorCode::ShuttingDown})
    CHECK(error_code_from_string(to_string(e)) == e);
  CHECK(is_definite(ErrorCode::NotLeader));
  CHECK(is_definite(ErrorCode::CasMismatch));
  CHECK_FALSE(is_definite(ErrorCode::Timeout));
  CHECK_FALSE(is_definite(ErrorCode::ShuttingDown));
  Json r = make_error_reply(7, ErrorCode::NotLeader);
  add_leader_hint(r, "n2", "127.0.0.1:9");
  CHECK(r == Json{{"id", 7}, {"ok", false}, {"error", "not-leader"}, {"leader", "n2"},
                  {"leader_addr", "127.0.0.1:9"}});
}

TEST_CASE("address parsing") {
  auto e = parse_endpoint("127.0.0.1:7001");
  CHECK(e.host == "127.0.0.1");
  CHECK(e.port == 7001);
  CHECK_THROWS_AS(parse_endpoint("nohost"), SutError);
  CHECK_THROWS_AS(parse_endpoint("h:0"), SutError);
  CHECK_THROWS_AS(parse_endpoint("h:70000"), SutError);
  auto peers = parse_peers("n1=127.0.0.1:1,n2=localhost:2");
  REQUIRE(peers.size() == 2);
  CHECK(peers["n2"].host == "localhost");
  CHECK_THROWS_AS(parse_peers("n1=a:1,n1=b:2"), SutError);
  CHECK_THROWS_AS(parse_peers("a:1"), SutError);
}
