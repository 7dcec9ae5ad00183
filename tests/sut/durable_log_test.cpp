#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "faultline/sut/durable_log.h"
#include "test_util/temp_dir.h"

using faultline::sut::DurableLog;

namespace {
// A fresh file path in this executable's scratch directory (removed when the process exits).
std::string temp_path(const std::string& name) {
  static const faultline::test::TempDir dir("faultline-dlog");
  const std::string p = dir.file(name);
  std::filesystem::remove(p);
  return p;
}
}  // namespace

TEST_CASE("durable log: records survive reopen in order") {
  std::string path = temp_path("roundtrip");
  {
    DurableLog::Recovery rec;
    auto log = DurableLog::open(path, &rec);
    REQUIRE(rec.records.empty());
    log.append("one");
    log.append("");
    log.append(std::string(100000, 'x'));
    log.sync();
    log.append("unsynced is dropped");  // never synced: not durable, not recovered
  }
  DurableLog::Recovery rec;
  auto log = DurableLog::open(path, &rec);
  REQUIRE(rec.records.size() == 3);
  CHECK(rec.records[0] == "one");
  CHECK(rec.records[1].empty());
  CHECK(rec.records[2].size() == 100000);
  CHECK(rec.truncated_bytes == 0);
}

TEST_CASE("durable log: torn and corrupt tails are truncated, later appends recover") {
  std::string path = temp_path("torn");
  {
    auto log = DurableLog::open(path, nullptr);
    log.append("a");
    log.append("b");
    log.sync();
  }
  auto good_size = std::filesystem::file_size(path);
  SECTION("half-written record") {
    std::string rec = faultline::sut::encode_record("torn-record");
    std::ofstream(path, std::ios::app | std::ios::binary).write(rec.data(), 7);
  }
  SECTION("checksum mismatch") {
    std::string rec = faultline::sut::encode_record("corrupt");
    rec.back() ^= 0x1;
    std::ofstream(path, std::ios::app | std::ios::binary).write(rec.data(), rec.size());
  }
  SECTION("absurd length") {
    std::string junk(16, '\xff');
    std::ofstream(path, std::ios::app | std::ios::binary).write(junk.data(), junk.size());
  }
  {
    DurableLog::Recovery rec;
    auto log = DurableLog::open(path, &rec);
    REQUIRE(rec.records == std::vector<std::string>{"a", "b"});
    CHECK(rec.truncated_bytes > 0);
    CHECK(std::filesystem::file_size(path) == good_size);
    log.append("c");
    log.sync();
  }
  DurableLog::Recovery rec;
  auto log = DurableLog::open(path, &rec);
  CHECK(rec.records == std::vector<std::string>{"a", "b", "c"});
  CHECK(rec.truncated_bytes == 0);
}

TEST_CASE("durable log: rewrite replaces content atomically") {
  std::string path = temp_path("rewrite");
  {
    auto log = DurableLog::open(path, nullptr);
    for (int i = 0; i < 10; ++i) log.append("r" + std::to_string(i));
    log.sync();
    log.rewrite({"only"});
    log.append("after");
    log.sync();
  }
  DurableLog::Recovery rec;
  auto log = DurableLog::open(path, &rec);
  CHECK(rec.records == std::vector<std::string>{"only", "after"});
}
