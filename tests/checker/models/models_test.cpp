// counter, set, fifo-queue, unordered-queue and mutex models stepped by hand, and their
// registry entries.
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

// Drives one model through hand-written steps.
struct Driver {
  explicit Driver(const std::string& name) : model(make_model(name)) {
    REQUIRE(model != nullptr);
    CHECK(model->name() == name);
  }
  // An ok op: invocation value `in`, completion value `out`.
  CompiledOp ok(const std::string& f, Json in, Json out) {
    const Op inv = make(OpType::Invoke, f, std::move(in));
    const Op done = make(OpType::Ok, f, std::move(out));
    auto op = model->compile(inv, &done, values);
    REQUIRE(op.has_value());
    return *op;
  }
  // An info / pending op: output unknown.
  std::optional<CompiledOp> info(const std::string& f, Json in) {
    return model->compile(make(OpType::Invoke, f, std::move(in)), nullptr, values);
  }
  void start() {
    machine = model->machine(values);
    state = machine->init();
  }
  // Steps if legal; returns legality.
  bool step(const CompiledOp& op) {
    State next = -1;
    if (!machine->step(state, op, next)) return false;
    state = next;
    return true;
  }
  Json now() const { return machine->describe(state); }

  std::unique_ptr<Model> model;
  ValueInterner values;
  std::unique_ptr<StateMachine> machine;
  State state = -1;
};

}  // namespace

TEST_CASE("registry lists the five models of this file") {
  const auto models = list_models();
  for (const char* name : {"counter", "set", "fifo-queue", "unordered-queue", "mutex"}) {
    bool listed = false;
    for (const auto& m : models) listed |= m.name == name && !m.description.empty();
    CHECK(listed);
    REQUIRE(make_model(name) != nullptr);
  }
}

TEST_CASE("counter adds and reads") {
  Driver d("counter");
  const auto add2 = d.ok("add", 2, 2);
  const auto add_neg3 = d.ok(":add", -3, -3);
  const auto read2 = d.ok("read", nullptr, 2);
  const auto read_neg1 = d.ok("read", nullptr, -1);
  CHECK_FALSE(d.info("read", nullptr).has_value());          // unknown read: left out
  const Op null_read = make(OpType::Ok, "read", nullptr);
  CHECK_FALSE(d.model->compile(make(OpType::Invoke, "read", nullptr), &null_read, d.values)
                  .has_value());                              // null read: unknown too
  const auto add_info = d.info("add", 5);
  REQUIRE(add_info.has_value());
  CHECK_FALSE(add_info->output_known);
  d.start();
  CHECK(d.now() == 0);
  CHECK_FALSE(d.step(read2));
  REQUIRE(d.step(add2));
  const State after_add2 = d.state;
  CHECK(d.step(read2));
  CHECK(d.state == after_add2);  // reads do not change state
  REQUIRE(d.step(add_neg3));
  CHECK(d.now() == -1);
  CHECK(d.step(read_neg1));
  REQUIRE(d.step(*add_info));
  CHECK(d.now() == 4);
  REQUIRE(d.step(d.ok("add", -4, -4)));
  CHECK(d.state == d.machine->init());  // canonical: same sum, same handle
  CHECK_THROWS_AS(d.info("add", "x"), ModelError);
  CHECK_THROWS_AS(d.ok("read", nullptr, Json::array({1})), ModelError);
  CHECK_THROWS_AS(d.info("incr", 1), ModelError);
}

TEST_CASE("set adds and reads the whole set, in any order") {
  Driver d("set");
  const auto add1 = d.ok("add", 1, 1);
  const auto add_a = d.ok("add", "a", "a");
  const auto read_empty = d.ok("read", nullptr, Json::array());
  const auto read_1a = d.ok("read", nullptr, Json::array({"a", 1, 1}));
  const auto read_1 = d.ok("read", nullptr, Json::array({1}));
  CHECK_FALSE(d.info("read", nullptr).has_value());
  d.start();
  CHECK(d.now() == Json::array());
  CHECK(d.step(read_empty));
  CHECK_FALSE(d.step(read_1));
  REQUIRE(d.step(add_a));
  REQUIRE(d.step(add1));
  const State both = d.state;
  CHECK(d.step(read_1a));
  CHECK_FALSE(d.step(read_1));   // a read must see every member
  CHECK_FALSE(d.step(read_empty));
  REQUIRE(d.step(add1));         // adding again changes nothing
  CHECK(d.state == both);
  CHECK(d.now().size() == 2);
  CHECK_THROWS_AS(d.ok("read", nullptr, 3), ModelError);
  CHECK_THROWS_AS(d.info("remove", 1), ModelError);

  // Canonical states: the same members added in another order give the same handle.
  d.state = d.machine->init();
  REQUIRE(d.step(add1));
  REQUIRE(d.step(add_a));
  CHECK(d.state == both);
}

TEST_CASE("fifo-queue dequeues in order; null ok dequeue means empty") {
  Driver d("fifo-queue");
  const auto enq1 = d.ok("enqueue", 1, 1);
  const auto enq2 = d.ok("enqueue", 2, 2);
  const auto deq1 = d.ok("dequeue", nullptr, 1);
  const auto deq2 = d.ok("dequeue", nullptr, 2);
  const auto deq_empty = d.ok("dequeue", nullptr, nullptr);
  const auto deq_unknown = d.info("dequeue", nullptr);
  REQUIRE(deq_unknown.has_value());
  d.start();
  CHECK(d.step(deq_empty));
  CHECK_FALSE(d.step(deq1));
  CHECK_FALSE(d.step(*deq_unknown));  // taking effect on empty = not taking effect
  REQUIRE(d.step(enq1));
  REQUIRE(d.step(enq2));
  CHECK(d.now() == Json::array({1, 2}));
  CHECK_FALSE(d.step(deq_empty));
  CHECK_FALSE(d.step(deq2));          // 1 is at the head
  REQUIRE(d.step(deq1));
  REQUIRE(d.step(enq1));
  REQUIRE(d.step(*deq_unknown));      // takes the head, 2
  CHECK(d.now() == Json::array({1}));
  REQUIRE(d.step(deq1));
  CHECK(d.state == d.machine->init());
  CHECK_THROWS_AS(d.info("push", 1), ModelError);
}

TEST_CASE("unordered-queue dequeues any element; unknown dequeues take some element") {
  Driver d("unordered-queue");
  const auto enq1 = d.ok("enqueue", 1, 1);
  const auto enq2 = d.ok("enqueue", 2, 2);
  const auto deq1 = d.ok("dequeue", nullptr, 1);
  const auto deq2 = d.ok("dequeue", nullptr, 2);
  const auto deq_empty = d.ok("dequeue", nullptr, nullptr);
  const auto deq_unknown = *d.info("dequeue", nullptr);
  d.start();
  CHECK(d.step(deq_empty));
  CHECK_FALSE(d.step(deq_unknown));
  REQUIRE(d.step(enq1));
  REQUIRE(d.step(enq2));
  const State one_two = d.state;
  REQUIRE(d.step(deq2));              // any element, not only the oldest
  REQUIRE(d.step(deq1));
  CHECK(d.step(deq_empty));

  // {1, 2} minus one unknown element: either 1 or 2 may still come out, but not both.
  d.state = one_two;
  REQUIRE(d.step(deq_unknown));
  CHECK(d.now() == Json{{"contents", {1, 2}}, {"unknown_dequeues", 1}});
  CHECK_FALSE(d.step(deq_empty));
  const State maybe = d.state;
  REQUIRE(d.step(deq2));
  CHECK(d.state == d.machine->init());  // everything left is spoken for: empty
  CHECK(d.step(deq_empty));
  CHECK_FALSE(d.step(deq1));
  d.state = maybe;
  CHECK_FALSE((d.step(deq_unknown) && d.step(deq1)));
  // Enqueue after an unknown dequeue keeps the debt: {1,2,1} minus one.
  d.state = maybe;
  REQUIRE(d.step(enq1));
  REQUIRE(d.step(deq1));
  REQUIRE(d.step(deq1));
  CHECK(d.state == d.machine->init());

  // An unknown dequeue takes an element present at ITS point, never one enqueued later:
  // {0, 0}, unknown dequeue (takes a 0), enqueue 2 -> {0, 2}: only one more 0 can come out.
  const auto enq0 = d.ok("enqueue", 0, 0);
  const auto deq0 = d.ok("dequeue", nullptr, 0);
  d.state = d.machine->init();
  REQUIRE(d.step(enq0));
  REQUIRE(d.step(enq0));
  REQUIRE(d.step(deq_unknown));
  REQUIRE(d.step(enq2));
  REQUIRE(d.step(deq0));
  CHECK_FALSE(d.step(deq0));
  REQUIRE(d.step(deq2));
  CHECK(d.state == d.machine->init());
}

TEST_CASE("mutex: acquire when free, release when held") {
  Driver d("mutex");
  const auto acquire = d.ok(":acquire", nullptr, nullptr);
  const auto release = d.ok("release", nullptr, nullptr);
  const auto acquire_info = *d.info("acquire", nullptr);
  d.start();
  CHECK(d.now() == "free");
  CHECK_FALSE(d.step(release));
  REQUIRE(d.step(acquire));
  CHECK(d.now() == "held");
  CHECK_FALSE(d.step(acquire));
  CHECK_FALSE(d.step(acquire_info));
  REQUIRE(d.step(release));
  REQUIRE(d.step(acquire_info));
  CHECK_THROWS_AS(d.info("lock", nullptr), ModelError);
}
