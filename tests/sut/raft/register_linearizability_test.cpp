// The test oracle itself must be right: known linearizable and non-linearizable histories.
#include <catch2/catch.hpp>

#include "register_linearizability.h"

using namespace faultline::raft::test;

TEST_CASE("register oracle accepts and rejects known histories", "[raft][oracle]") {
  using K = RegisterOp;
  // write 1 completes, then a read sees nil: stale read.
  CHECK_FALSE(check_register({{K::Write, 1, 2, 1}, {K::Read, 3, 4, kNull}}).linearizable);
  // concurrent write and read: either value is fine.
  CHECK(check_register({{K::Write, 1, 4, 1}, {K::Read, 2, 3, kNull}}).linearizable);
  CHECK(check_register({{K::Write, 1, 4, 1}, {K::Read, 2, 3, 1}}).linearizable);
  // cas chain.
  CHECK(check_register({{K::Write, 1, 2, 1}, {K::Cas, 3, 4, 1, 2}, {K::Read, 5, 6, 2}})
            .linearizable);
  CHECK_FALSE(check_register({{K::Write, 1, 2, 1}, {K::Cas, 3, 4, 5, 2}, {K::Read, 5, 6, 2}})
                  .linearizable);
  // an info write may take effect late...
  CHECK(check_register({{K::Write, 1, kNever, 7}, {K::Read, 5, 6, kNull}, {K::Read, 7, 8, 7}})
            .linearizable);
  // ...but not before its invocation.
  CHECK_FALSE(check_register({{K::Read, 1, 2, 7}, {K::Write, 3, kNever, 7}}).linearizable);
  // lost acknowledged write: w1 ok, w2 ok, read sees 1 afterwards.
  CHECK_FALSE(check_register({{K::Write, 1, 2, 1}, {K::Write, 3, 4, 2}, {K::Read, 5, 6, 1}})
                  .linearizable);
}

TEST_CASE("stale-read finder names reads older than a completed write, nothing else", "[raft][oracle]") {
  using K = RegisterOp;
  // read nil after write 1 completed: stale.
  CHECK(find_stale_reads({{K::Write, 1, 2, 1}, {K::Read, 3, 4, kNull}}).size() == 1);
  // read 1 after write 1 then write 2 completed: stale; read 2: fresh.
  CHECK(find_stale_reads({{K::Write, 1, 2, 1}, {K::Write, 3, 4, 2}, {K::Read, 5, 6, 1}}).size() == 1);
  CHECK(find_stale_reads({{K::Write, 1, 2, 1}, {K::Write, 3, 4, 2}, {K::Read, 5, 6, 2}}).empty());
  // a cas wrote the newer value: the old one is stale.
  CHECK(find_stale_reads({{K::Write, 1, 2, 1}, {K::Cas, 3, 4, 1, 2}, {K::Read, 5, 6, 1}}).size() == 1);
  // concurrent writes: either order is possible, nothing is stale.
  CHECK(find_stale_reads({{K::Write, 1, 4, 1}, {K::Write, 2, 3, 2}, {K::Read, 5, 6, 1}}).empty());
  // the newer write overlaps the read: not stale.
  CHECK(find_stale_reads({{K::Write, 1, 2, 1}, {K::Write, 3, 6, 2}, {K::Read, 5, 7, 1}}).empty());
  // an info write of the value read may have taken effect late: not stale.
  CHECK(find_stale_reads({{K::Write, 1, 2, 1}, {K::Write, 3, kNever, 2}, {K::Read, 5, 6, 2}}).empty());
  // non-linearizable for another reason (a cas from a value never there) is not a stale read.
  CHECK(find_stale_reads({{K::Write, 1, 2, 1}, {K::Cas, 3, 4, 5, 2}, {K::Read, 5, 6, 2}}).empty());
}
