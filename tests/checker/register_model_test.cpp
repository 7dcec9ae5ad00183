// Register / cas-register models stepped by hand, and the model registry.
#include <catch2/catch.hpp>

#include "faultline/checker/model.h"
#include "faultline/checker/model_registry.h"

using namespace faultline;
using namespace faultline::checker;

namespace {
Op make(OpType t, const std::string& f, Json v, int64_t index = 0) {
  Op op;
  op.index = index;
  op.process = 0;
  op.type = t;
  op.f = f;
  op.value = std::move(v);
  return op;
}
}  // namespace

TEST_CASE("registry lists register models and rejects unknown names") {
  auto models = list_models();
  bool have_cas = false;
  for (const auto& m : models) have_cas |= m.name == "cas-register";
  CHECK(have_cas);
  CHECK(make_model("no-such-model") == nullptr);
  REQUIRE(make_model("register") != nullptr);
  CHECK(make_model("register")->name() == "register");
}

TEST_CASE("cas-register steps read, write, cas") {
  auto model = make_model("cas-register");
  ValueInterner values;
  auto write1 = model->compile(make(OpType::Invoke, "write", 1), nullptr, values);
  const Op read_inv = make(OpType::Invoke, "read", nullptr);
  const Op read_ok1 = make(OpType::Ok, "read", 1);
  auto read1 = model->compile(read_inv, &read_ok1, values);
  auto cas12 = model->compile(make(OpType::Invoke, ":cas", Json::array({1, 2})), nullptr, values);
  REQUIRE(write1);
  REQUIRE(read1);
  REQUIRE(cas12);
  CHECK_FALSE(model->compile(read_inv, nullptr, values).has_value());  // unknown read: dropped

  auto m = model->machine(values);
  State s = m->init();
  CHECK(m->describe(s).is_null());
  State next = -1;
  CHECK_FALSE(m->step(s, *read1, next));
  CHECK_FALSE(m->step(s, *cas12, next));
  REQUIRE(m->step(s, *write1, next));
  s = next;
  CHECK(m->describe(s) == 1);
  REQUIRE(m->step(s, *read1, next));
  CHECK(next == s);
  REQUIRE(m->step(s, *cas12, next));
  CHECK(m->describe(next) == 2);
  CHECK_THROWS_AS(model->compile(make(OpType::Invoke, "cas", 3), nullptr, values), ModelError);
  CHECK_THROWS_AS(model->compile(make(OpType::Invoke, "incr", 3), nullptr, values), ModelError);
}

TEST_CASE("state table interns canonical handles") {
  StateTable t;
  std::vector<int64_t> a{1, 2, 3}, b{1, 2}, c{};
  const State ha = t.intern(a), hb = t.intern(b), hc = t.intern(c);
  CHECK(ha != hb);
  CHECK(hb != hc);
  CHECK(t.intern(std::vector<int64_t>{1, 2, 3}) == ha);
  CHECK(t.get(ha) == a);
  CHECK(t.size(hc) == 0);
  for (int64_t i = 0; i < 1000; ++i) t.intern(std::vector<int64_t>{i, i});
  CHECK(t.intern(std::vector<int64_t>{1, 2}) == hb);
  CHECK(t.get(t.intern(std::vector<int64_t>{500, 500})) == std::vector<int64_t>{500, 500});
}
