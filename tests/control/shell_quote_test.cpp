// shell_quote/shell_join: hostile strings must come back byte-for-byte through a real /bin/sh.
#include <catch2/catch.hpp>

#include <random>

#include "faultline/control/local_remote.h"
#include "faultline/control/remote.h"

using namespace faultline::control;

namespace {

// Echo the quoted word back through /bin/sh -c with printf %s (no trailing newline added).
std::string round_trip(Remote& sh, const std::string& s) {
  ExecResult r = sh.exec("printf %s " + shell_quote(s));
  REQUIRE(r.exit_status == 0);
  return r.out;
}

}  // namespace

TEST_CASE("shell_quote leaves plain words readable and quotes the rest", "[control][shell]") {
  CHECK(shell_quote("abc-1.2/x_y:z@h%+,") == "abc-1.2/x_y:z@h%+,");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("A=B") == "'A=B'");  // would otherwise be an assignment
  CHECK(shell_quote("~root") == "'~root'");
  CHECK(shell_join({"echo", "a b", "$HOME"}) == "echo 'a b' '$HOME'");
}

TEST_CASE("shell_quote rejects NUL", "[control][shell]") {
  CHECK_THROWS_AS(shell_quote(std::string("a\0b", 3)), std::invalid_argument);
  CHECK_THROWS_AS(shell_join({"ok", std::string(1, '\0')}), std::invalid_argument);
}

TEST_CASE("hostile strings round-trip through /bin/sh", "[control][shell]") {
  auto sh = make_local_remote();
  const std::vector<std::string> hostile = {
      "",        "'",          "''",       "\"",        "\\",        "a'b\"c\\d",   "$(touch /tmp/fl-pwned)",
      "`id`",    "$HOME",      "${IFS}",   "*",         "?",         "[a-z]*",      "~",
      "~root",   "a\nb",       "\n",       "\t x \t",   "; rm -rf /nonexistent-fl", "a && b || c | d &",
      "#comment", "-n",        "--",       "A=B",       "héllo wörld ✓ 日本", "\x01\x7f\xff",
      "!!",      "{a,b}",      "$((1+1))", "< > >> 2>&1", "'\"'\"'",  std::string(3000, '\''),
  };
  for (const auto& s : hostile) {
    INFO("input: " << s);
    CHECK(round_trip(*sh, s) == s);
  }
  // Several hostile words through shell_join arrive as separate argv entries.
  ExecResult r = sh->exec("printf '<%s>' " + shell_join({"a b", "'", "$(x)", "\n", "*"}));
  REQUIRE(r.ok());
  CHECK(r.out == "<a b><'><$(x)><\n><*>");
}

TEST_CASE("random byte strings round-trip through /bin/sh", "[control][shell][property]") {
  const uint64_t seed = std::random_device{}();
  INFO("seed " << seed << " (rerun by hard-coding it here)");
  std::mt19937_64 rng(seed);
  auto sh = make_local_remote();
  // Batch many strings into one shell run to keep the test fast: each printed between markers.
  std::vector<std::string> inputs;
  for (int i = 0; i < 200; ++i) {
    std::string s;
    const size_t len = rng() % 24;
    for (size_t j = 0; j < len; ++j) {
      char c = static_cast<char>(1 + rng() % 255);  // any byte but NUL
      s.push_back(c);
    }
    inputs.push_back(std::move(s));
  }
  std::string cmd;
  for (const auto& s : inputs) cmd += "printf '%s\\0' " + shell_quote(s) + ";";
  ExecResult r = sh->exec(cmd);
  REQUIRE(r.ok());
  std::vector<std::string> got;
  size_t pos = 0;
  while (pos < r.out.size()) {
    size_t nul = r.out.find('\0', pos);
    REQUIRE(nul != std::string::npos);
    got.push_back(r.out.substr(pos, nul - pos));
    pos = nul + 1;
  }
  REQUIRE(got.size() == inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) CHECK(got[i] == inputs[i]);
}
