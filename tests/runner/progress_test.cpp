// Progress: the status line shows time, op counts and the faults in effect.
#include <catch2/catch.hpp>

#include <cstdio>

#include "faultline/runner/progress.h"

using namespace faultline;
using namespace faultline::runner;

TEST_CASE("progress: status line tracks faults started, stopped and healed") {
  Progress p(true, 10, 0, stdout);
  CHECK_THAT(p.line(2.5, 10, 2, 1), Catch::Contains("2.5s") && Catch::Contains("7.5s left") &&
                                        Catch::Contains("ok 10") && Catch::Contains("fail 2") &&
                                        Catch::Contains("info 1") && Catch::Contains("faults: none"));
  Op start;
  start.process = kNemesisProcess;
  start.type = OpType::Info;
  start.f = "start-partition";
  start.value = {{"fault", "partition-1"}, {"nodes", {"n1"}}};
  p.fault_event(start);
  Op kill = start;
  kill.f = "start-kill";
  kill.value = {{"fault", "kill-2"}};
  p.fault_event(kill);
  CHECK_THAT(p.line(3, 0, 0, 0), Catch::Contains("faults: kill,partition"));
  Op failed = start;
  failed.value = {{"error", "boom"}};
  failed.f = "start-pause";
  p.fault_event(failed);
  CHECK_THAT(p.line(3, 0, 0, 0), !Catch::Contains("pause"));
  Op stop = start;
  stop.f = "stop-partition";
  p.fault_event(stop);
  CHECK_THAT(p.line(3, 0, 0, 0), Catch::Contains("faults: kill") && !Catch::Contains("partition"));
  Op heal = start;
  heal.f = "heal";
  p.fault_event(heal);
  CHECK_THAT(p.line(11, 0, 0, 0), Catch::Contains("faults: none") && Catch::Contains("0.0s left"));
}

TEST_CASE("progress: non-tty prints whole lines, tty rewrites one line") {
  char buf[4096] = {};
  std::FILE* f = ::fmemopen(buf, sizeof buf, "w");
  {
    Progress p(true, 10, 0, f);
    p.update(0, 1, 0, 0);
    p.update(1, 2, 0, 0);  // within 5 s: not printed
    p.update(6, 3, 0, 0);
    p.finish();
  }
  std::fclose(f);
  std::string s(buf);
  CHECK(s.find("ok 1") != std::string::npos);
  CHECK(s.find("ok 2") == std::string::npos);
  CHECK(s.find("ok 3") != std::string::npos);
  CHECK(s.find('\r') == std::string::npos);
  char buf2[4096] = {};
  f = ::fmemopen(buf2, sizeof buf2, "w");
  {
    Progress p(true, 10, 1, f);
    p.update(0, 1, 0, 0);
    p.update(1, 2, 0, 0);
    p.finish();
  }
  std::fclose(f);
  std::string t(buf2);
  CHECK(t.find("\r") != std::string::npos);
  CHECK(t.find("ok 2") != std::string::npos);
  CHECK(t.back() == '\n');
}
