// `faultline serve [--store DIR] [--bind 127.0.0.1] [--port 8080]`: the store over HTTP (index of
// runs, each run's report and files; see reports/include/faultline/reports/serve.h). Loopback
// only unless --bind says otherwise. Ends on SIGINT/SIGTERM with exit 0; 254 when it cannot
// listen.
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>

#include "command.h"
#include "faultline/reports/serve.h"

namespace faultline::cli {
namespace {

std::atomic<bool> g_serve_stop{false};
void on_serve_signal(int) { g_serve_stop = true; }

int run_serve(const reports::ServeOptions& o) {
  try {
    reports::Server server(o);
    std::signal(SIGINT, on_serve_signal);
    std::signal(SIGTERM, on_serve_signal);
    std::printf("faultline serve: store %s at http://%s:%u/\n", o.store.c_str(),
                o.bind.find(':') != std::string::npos ? ("[" + o.bind + "]").c_str() : o.bind.c_str(),
                static_cast<unsigned>(server.port()));
    std::fflush(stdout);
    server.run(&g_serve_stop);
    return kExitValid;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faultline serve: %s\n", e.what());
    return kExitBadArgs;
  }
}

CommandRun setup_serve(CLI::App& sub) {
  auto o = std::make_shared<reports::ServeOptions>();
  sub.add_option("--store", o->store, "Store directory (default ./store)");
  sub.add_option("--bind", o->bind, "Address to listen on (default 127.0.0.1: loopback only)");
  sub.add_option("--port", o->port, "Port (default 8080; 0 picks a free one)");
  return [o] { return run_serve(*o); };
}

const CommandRegistrar reg("serve", "Serve the store's runs and reports over HTTP", &setup_serve);

}  // namespace
}  // namespace faultline::cli
