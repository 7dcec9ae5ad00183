#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "faultline/raft/raft_storage.h"
#include "test_util/temp_dir.h"

using namespace faultline::raft;

TEST_CASE("raft storage: hard state and log survive reopen; truncation is replayed", "[raft]") {
  const faultline::test::TempDir tmp("faultline-raft-storage");  // removed whatever happens
  const std::string dir = tmp.file("raft");
  {
    PersistentState st;
    auto s = RaftStorage::open(dir, &st);
    REQUIRE(st.log.empty());
    s.save(HardState{1, "n1"}, {{1, 1, "a"}, {1, 2, "b"}, {1, 3, "c"}});
    s.sync();
    // A new leader's entry conflicts at index 2: the log becomes a, x.
    s.save(HardState{2, "n2"}, {{2, 2, "x"}});
    s.sync();
    s.save(HardState{3, ""}, {{3, 3, "never-synced"}});  // lost on crash: never synced
  }
  PersistentState st;
  uint64_t torn = 0;
  auto s = RaftStorage::open(dir, &st, &torn);
  CHECK(st.hard == HardState{2, "n2"});
  REQUIRE(st.log.size() == 2);
  CHECK(st.log[0] == Entry{1, 1, "a"});
  CHECK(st.log[1] == Entry{2, 2, "x"});
  CHECK(torn == 0);
  // A torn tail (crash mid-write) is cut off.
  {
    std::ofstream f(dir + "/raft.log", std::ios::app | std::ios::binary);
    f.write("\x20\x00\x00\x00garbage", 11);
  }
  PersistentState again;
  RaftStorage::open(dir, &again, &torn);
  CHECK(torn == 11);
  CHECK(again.log.size() == 2);
}
