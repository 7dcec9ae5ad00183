// The `faultline` executable: dispatches to the self-registered subcommands (cli/cmd_*.cpp).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>

#include "command.h"

namespace faultline::cli {
std::vector<CommandEntry>& command_registry() {
  static std::vector<CommandEntry> entries;
  return entries;
}
}  // namespace faultline::cli

int main(int argc, char** argv) {
  using namespace faultline::cli;
  CLI::App app{"faultline: fault injection and consistency checking for distributed systems"};
  app.set_version_flag("--version", std::string("faultline 0.1.0"));
  app.require_subcommand(1);
  auto entries = command_registry();
  std::sort(entries.begin(), entries.end(),
            [](const CommandEntry& a, const CommandEntry& b) { return a.name < b.name; });
  std::map<CLI::App*, CommandRun> runs;
  std::map<CLI::App*, CommandSetup> setups;
  for (const auto& e : entries) {
    CLI::App* sub = app.add_subcommand(e.name, e.description);
    runs[sub] = e.setup(*sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadArgs;
  }
  try {
    for (CLI::App* sub : app.get_subcommands()) {
      auto it = runs.find(sub);
      if (it != runs.end() && it->second) return it->second();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faultline: crashed: %s\n", e.what());
    return kExitCrash;
  }
  return kExitBadArgs;
}
