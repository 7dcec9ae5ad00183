// Store layout: run dirs named by UTC time, collisions, latest links, resolve_run_dir.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "faultline/runner/store.h"
#include "runner_test_util.h"

using namespace faultline;
using namespace faultline::runner;
using namespace runner_test;
namespace fs = std::filesystem;

TEST_CASE("store: run dir named YYYYmmddTHHMMSS in UTC, collisions get a suffix") {
  TempDir d("faultline-store-test");
  const int64_t t = 1700000000;  // 2023-11-14T22:13:20Z
  std::string a = create_run_dir(d.path.string(), "raft-register", t);
  CHECK(fs::path(a).filename() == "20231114T221320");
  CHECK(fs::path(a).parent_path().filename() == "raft-register");
  CHECK(fs::is_directory(fs::path(a) / "nodes"));
  std::string b = create_run_dir(d.path.string(), "raft-register", t);
  CHECK(fs::path(b).filename() == "20231114T221320-2");
  CHECK(safe_test_name("a/b c") == "a_b_c");
  CHECK(safe_test_name("latest") == "_latest");
  CHECK(safe_test_name("..") == "_..");
}

TEST_CASE("store: latest links point at the newest run, relative") {
  TempDir d("faultline-store-test");
  const std::string root = d.path.string();
  std::string a = create_run_dir(root, "t1", 1700000000);
  update_latest_links(root, "t1", a);
  CHECK(fs::read_symlink(d.path / "t1" / "latest") == "20231114T221320");
  CHECK(fs::read_symlink(d.path / "latest") == fs::path("t1") / "20231114T221320");
  std::string b = create_run_dir(root, "t2", 1700000100);
  update_latest_links(root, "t2", b);
  CHECK(fs::read_symlink(d.path / "latest") == fs::path("t2") / "20231114T221500");
  CHECK(fs::read_symlink(d.path / "t1" / "latest") == "20231114T221320");
  CHECK(fs::equivalent(d.path / "latest", b));
  // The store can move: links are relative.
  fs::rename(d.path / "t1", d.path / "t1moved");
  CHECK(fs::is_directory(d.path / "t1moved" / "latest"));
}

TEST_CASE("store: resolve_run_dir accepts a run dir, a latest link and a test dir") {
  TempDir d("faultline-store-test");
  const std::string root = d.path.string();
  std::string a = create_run_dir(root, "t", 1700000000);
  CHECK_THROWS_WITH(resolve_run_dir(a), Catch::Contains("not a stored run"));
  write_json_file(a + "/test.json", {{"system", "none"}});
  update_latest_links(root, "t", a);
  CHECK(resolve_run_dir(a) == a);
  CHECK(fs::equivalent(resolve_run_dir(root + "/t/latest"), a));
  CHECK(fs::equivalent(resolve_run_dir(root + "/t"), a));
  CHECK(read_json_file(a + "/test.json") == Json{{"system", "none"}});
  CHECK_THROWS(read_json_file(a + "/missing.json"));
}
