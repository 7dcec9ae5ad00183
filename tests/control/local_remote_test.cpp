// LocalRemote: exit status, separate streams, stdin, timeout (kills the group), files, spawn.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "faultline/control/local_remote.h"

using namespace faultline::control;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "fl-control-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool process_alive(int64_t pid) {
  if (::kill(static_cast<pid_t>(pid), 0) != 0) return false;
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(st, line);
  auto close = line.rfind(')');
  return close != std::string::npos && line.size() > close + 2 && line[close + 2] != 'Z';
}

}  // namespace

TEST_CASE("local exec separates stdout, stderr and exit status", "[control][local]") {
  auto r = make_local_remote(LocalRemoteOptions{.node = "me", .prefix_argv = {}});
  ExecResult res = r->exec("echo out; echo err >&2; exit 7");
  CHECK(res.exit_status == 7);
  CHECK(res.out == "out\n");
  CHECK(res.err == "err\n");
  CHECK_FALSE(res.ok());
  CHECK(r->exec("true").ok());
  CHECK(r->node() == "me");
}

TEST_CASE("local exec feeds stdin and reports a signal death", "[control][local]") {
  auto r = make_local_remote();
  ExecOptions eo;
  eo.stdin_data = "line1\nline2\n";
  ExecResult res = r->exec("wc -l", eo);
  CHECK(res.ok());
  CHECK(res.out.find('2') != std::string::npos);
  ExecResult killed = r->exec("kill -TERM $$");
  CHECK(killed.exit_status == -1);
  CHECK(killed.exit_signal == "TERM");
}

TEST_CASE("local exec timeout kills the whole process group", "[control][local]") {
  TempDir dir;
  auto r = make_local_remote();
  ExecOptions eo;
  eo.timeout_ms = 300;
  const auto pid_file = (dir.path / "bg.pid").string();
  const auto t0 = std::chrono::steady_clock::now();
  // A background grandchild in the same group must die too.
  CHECK_THROWS_AS(r->exec("sleep 30 & echo $! > " + shell_quote(pid_file) + "; sleep 30", eo), RemoteError);
  const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - t0).count();
  CHECK(elapsed_ms < 3000);
  const int64_t bg = std::stoll(slurp(pid_file));
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = !process_alive(bg);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(gone);
  try {
    r->exec("sleep 5", eo);
    FAIL("no timeout");
  } catch (const RemoteError& e) {
    CHECK(std::string(e.what()).find("timed out") != std::string::npos);
    CHECK(e.command() == "sleep 5");
  }
}

TEST_CASE("local upload, download and spawn", "[control][local]") {
  TempDir dir;
  auto r = make_local_remote();
  const auto src = dir.path / "src";
  {
    std::ofstream(src, std::ios::binary) << std::string("bin\0ary\n", 8);
  }
  r->upload(src.string(), (dir.path / "up").string(), 0600);
  CHECK(slurp(dir.path / "up") == std::string("bin\0ary\n", 8));
  CHECK((fs::status(dir.path / "up").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  r->download((dir.path / "up").string(), (dir.path / "down").string());
  CHECK(slurp(dir.path / "down") == slurp(src));
  CHECK_THROWS_AS(r->download((dir.path / "missing").string(), (dir.path / "x").string()), RemoteError);

  SpawnOptions so;
  so.pid_file = (dir.path / "d.pid").string();
  so.log_file = (dir.path / "d.log").string();
  so.chdir = dir.path.string();
  so.env = {{"FL_GREETING", "hi there"}};
  const int64_t pid = r->spawn("sh -c 'echo \"$FL_GREETING\"; pwd; exec sleep 30'", so);
  REQUIRE(pid > 0);
  bool logged = false;
  for (int i = 0; i < 300 && !logged; ++i) {
    logged = slurp(so.log_file).find(dir.path.string()) != std::string::npos;
    if (!logged) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(logged);
  CHECK(slurp(so.log_file).rfind("hi there\n", 0) == 0);
  CHECK(std::stoll(slurp(so.pid_file)) == pid);
  CHECK(process_alive(pid));
  CHECK(::getsid(static_cast<pid_t>(pid)) == pid);  // detached into its own session
  ::kill(static_cast<pid_t>(pid), SIGKILL);
}
