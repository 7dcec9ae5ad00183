#include <catch2/catch.hpp>

#include "faultline/sut/kv_store.h"

using faultline::sut::ErrorCode;
using faultline::sut::Json;
using faultline::sut::KvStore;

TEST_CASE("kv store: read, write, cas, append") {
  KvStore kv;
  CHECK(kv.apply({{"op", "read"}, {"key", "x"}}).value.is_null());
  CHECK(kv.apply({{"op", "write"}, {"key", "x"}, {"value", 1}}).ok);
  CHECK(kv.apply({{"op", "read"}, {"key", "x"}}).value == 1);
  auto bad = kv.apply({{"op", "cas"}, {"key", "x"}, {"expected", 2}, {"value", 3}});
  CHECK_FALSE(bad.ok);
  CHECK(bad.error == ErrorCode::CasMismatch);
  CHECK(kv.read("x") == 1);
  CHECK(kv.apply({{"op", "cas"}, {"key", "x"}, {"expected", 1}, {"value", 3}}).ok);
  CHECK(kv.read("x") == 3);
  CHECK(kv.apply({{"op", "cas"}, {"key", "new"}, {"expected", nullptr}, {"value", 0}}).ok);
  CHECK(kv.read("new") == 0);
  kv.apply({{"op", "append"}, {"key", "l"}, {"value", 1}});
  kv.apply({{"op", "append"}, {"key", "l"}, {"value", 2}});
  CHECK(kv.read("l") == Json::array({1, 2}));
}

TEST_CASE("kv store: txn is atomic and sees its own writes") {
  KvStore kv;
  kv.apply({{"op", "write"}, {"key", "a"}, {"value", 1}});
  Json ok_txn = {{"op", "txn"},
                 {"ops", {{{"op", "write"}, {"key", "b"}, {"value", 7}},
                          {{"op", "cas"}, {"key", "b"}, {"expected", 7}, {"value", 8}},
                          {{"op", "append"}, {"key", "l"}, {"value", "x"}},
                          {{"op", "read"}, {"key", "l"}}}}};
  auto r = kv.apply(ok_txn);
  REQUIRE(r.ok);
  REQUIRE(r.value.size() == 4);
  CHECK(r.value[3]["value"] == Json::array({"x"}));
  CHECK(kv.read("b") == 8);

  Json failing = {{"op", "txn"},
                  {"ops", {{{"op", "write"}, {"key", "a"}, {"value", 100}},
                           {{"op", "cas"}, {"key", "b"}, {"expected", 0}, {"value", 9}}}}};
  auto f = kv.apply(failing);
  CHECK_FALSE(f.ok);
  CHECK(f.error == ErrorCode::CasMismatch);
  CHECK(kv.read("a") == 1);  // the write before the failing cas did not apply
  CHECK(kv.read("b") == 8);
}

TEST_CASE("kv store: status reaching the state machine is a definite bad-request, no throw") {
  KvStore kv;
  auto r = kv.apply({{"op", "status"}});
  CHECK_FALSE(r.ok);
  CHECK(r.error == ErrorCode::BadRequest);
}
