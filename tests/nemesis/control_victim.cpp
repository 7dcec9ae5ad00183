// A stand-in "control process" for the crash test: builds a Nemesis over the lab's namespaces,
// starts a halves partition, prints "applied", then sleeps until it is killed (bounded: 60 s).
//   nemesis_control_victim JOURNAL name:netns:ip...
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "faultline/nemesis/nemesis.h"
#include "netns_lab.h"

using namespace faultline::nemesis;

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  std::vector<std::unique_ptr<testing::NetnsRemote>> remotes;
  std::vector<NodeHandle> nodes;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto c1 = a.find(':'), c2 = a.rfind(':');
    remotes.push_back(std::make_unique<testing::NetnsRemote>(a.substr(0, c1), a.substr(c1 + 1, c2 - c1 - 1)));
    nodes.push_back({a.substr(0, c1), a.substr(c2 + 1), remotes.back().get()});
  }
  NemesisConfig cfg;
  cfg.journal_path = argv[1];
  Nemesis nem(nodes, {}, cfg);
  nem.start({"partition", {{"shape", "halves"}}, "all"});
  std::printf("applied\n");
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(60));
  return 0;
}
