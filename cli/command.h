// Subcommand registry of the `faultline` executable.
//
// Each subcommand lives in its own cli/cmd_<name>.cpp and registers itself with one line:
//   static faultline::cli::CommandRegistrar reg("check", "Check a history", &setup_check);
// setup() adds options to its CLI11 subcommand and returns the function run when it is chosen;
// that function returns the process exit code (Jepsen's: 0 valid, 1 invalid, 2 unknown,
// 254 bad arguments, 255 crashed).
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace faultline::cli {

inline constexpr int kExitValid = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUnknown = 2;
inline constexpr int kExitBadArgs = 254;
inline constexpr int kExitCrash = 255;

using CommandRun = std::function<int()>;
using CommandSetup = CommandRun (*)(CLI::App& sub);

struct CommandEntry {
  std::string name;
  std::string description;
  CommandSetup setup;
};

std::vector<CommandEntry>& command_registry();

struct CommandRegistrar {
  CommandRegistrar(std::string name, std::string description, CommandSetup setup) {
    command_registry().push_back({std::move(name), std::move(description), setup});
  }
};

}  // namespace faultline::cli
