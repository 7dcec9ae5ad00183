// The one Catch2 main shared by every test executable, with visible skips for tests that need
// root (network namespaces, iptables, sshd, setpriv).
//
// Contract (see cmake/FaultlineTest.cmake, which sets ctest's SKIP_RETURN_CODE to 77):
//  - built with FAULTLINE_TEST_NEEDS_ROOT (the faultline_catch_main_root library, used by
//    `faultline_add_test(... NEEDS_ROOT)`): every test case needs root; without root the
//    executable prints why and exits 77 before running anything;
//  - otherwise: without root, if any test case selected by the command line carries the Catch
//    tag [needs-root], the executable prints which and exits 77 without running anything (run it
//    with '~[needs-root]' for the rest); with root, or when nothing selected needs it, the cases
//    run as usual.
// Listing (--list-tests, --list-tags, ...) and --help are never skipped.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr int kSkipReturnCode = 77;  // ctest SKIP_RETURN_CODE of every test (FaultlineTest.cmake)
#ifdef FAULTLINE_TEST_NEEDS_ROOT
constexpr bool kEveryCaseNeedsRoot = true;
#else
constexpr bool kEveryCaseNeedsRoot = false;
#endif

bool tagged_needs_root(const Catch::TestCase& t) {
  return std::find(t.tags.begin(), t.tags.end(), "needs-root") != t.tags.end();
}

bool only_lists(const Catch::Config& c) {
  return c.showHelp() || c.listTests() || c.listTestNamesOnly() || c.listTags() ||
         c.listReporters();
}

// The selected test cases that need root (empty when none does).
std::vector<std::string> root_cases(const Catch::Config& config) {
  std::vector<std::string> names;
  for (const auto& t : Catch::filterTests(Catch::getAllTestCasesSorted(config), config.testSpec(), config)) {
    if (tagged_needs_root(t)) names.push_back(t.name);
  }
  return names;
}

}  // namespace

int main(int argc, char* argv[]) {
  Catch::Session session;
  if (int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  const std::string exe = argc > 0 ? argv[0] : "test";
  if (::geteuid() == 0 || only_lists(session.config())) return session.run();
  if (kEveryCaseNeedsRoot) {
    std::cout << "SKIPPED: " << exe << " needs root (network namespaces, iptables, sshd)\n";
    return kSkipReturnCode;
  }
  const std::vector<std::string> need = root_cases(session.config());
  if (need.empty()) return session.run();
  std::cout << "SKIPPED: " << exe << ": " << need.size()
            << " selected test case(s) tagged [needs-root] need root:\n";
  for (const auto& n : need) std::cout << "  " << n << "\n";
  std::cout << "(run as root, or select the others with '~[needs-root]')\n";
  return kSkipReturnCode;
}
