// TempDir: a fresh private directory for one test, removed with everything in it when the
// TempDir goes out of scope — also when the test case fails (a failed REQUIRE throws, and the
// destructor runs while the exception unwinds).
//
//   faultline::test::TempDir dir("faultline-dlog");   // $TMPDIR/faultline-dlog-XXXXXX
//   std::string log = dir.file("log");                 // a path inside it (not created)
//
// Created with mkdtemp (mode 0700) under $TMPDIR, or /tmp when TMPDIR is unset, so a suite run
// with TMPDIR set to an empty directory can prove nothing is left behind. Throws
// std::runtime_error naming the template when it cannot be made. With FAULTLINE_KEEP_TEST_TMP
// (or FAULTLINE_KEEP_E2E, the runner tests' older name) set in the environment the directory is
// kept, to look at after the fact, and its path printed on stderr.
// Every test executable has tests/ on its include path (cmake/FaultlineTest.cmake).
#pragma once
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace faultline::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "faultline-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("TempDir: mkdtemp failed for " + tmpl);
    path = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (std::getenv("FAULTLINE_KEEP_TEST_TMP") || std::getenv("FAULTLINE_KEEP_E2E")) {
      std::cerr << "kept " << path.string() << "\n";
      return;
    }
    std::error_code ec;  // a destructor must not throw; what cannot be removed stays
    std::filesystem::remove_all(path, ec);
  }

  // `name` inside the directory (nothing is created).
  std::string file(const std::string& name) const { return (path / name).string(); }

  std::filesystem::path path;
};

}  // namespace faultline::test
