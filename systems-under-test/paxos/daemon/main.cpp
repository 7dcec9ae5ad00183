// faultline-paxosd: the Multi-Paxos reference key-value daemon (see ../README.md and
// systems-under-test/PROTOCOL.md). Parses flags, runs PaxosServer on one thread, exits 0 on
// SIGTERM/SIGINT and 254 on bad arguments, 1 on a fatal runtime error.
#include <CLI/CLI.hpp>

#include <iostream>
#include <sstream>

#include "faultline/paxos/wire.h"
#include "faultline/sut/error.h"
#include "paxos_server.h"

using namespace faultline;

namespace {

paxos::Bugs parse_bugs(const std::vector<std::string>& names) {
  paxos::Bugs bugs;
  for (const std::string& list : names) {
    std::stringstream ss(list);
    std::string name;
    while (std::getline(ss, name, ',')) {
      if (name == "no-persist") bugs.no_persist = true;
      else if (name == "skip-promise-check") bugs.skip_promise_check = true;
      else if (name == "none" || name.empty()) continue;
      else throw CLI::ValidationError("--bug", "unknown bug \"" + name +
                                      "\" (known: no-persist, skip-promise-check)");
    }
  }
  return bugs;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "faultline-paxosd: Multi-Paxos replicated key-value store (a faultline reference system "
      "under test).\nClients and peers speak JSON lines over TCP on --listen (PROTOCOL.md); "
      "state is fsynced to --data-dir before any reply, so kill -9 loses nothing acknowledged.\n"
      "Logs: one JSON object per line on stderr with node and ballot; prints msg \"ready\" once "
      "listening. SIGTERM/SIGINT: clean shutdown, exit 0."};
  std::string id, listen, peers, data_dir;
  std::vector<std::string> bugs;
  paxos::ServerOptions o;
  app.add_option("--id", id, "this node's id; must be one of the ids in --peers")->required();
  app.add_option("--listen", listen, "HOST:PORT to listen on for clients and peers")->required();
  app.add_option("--peers", peers,
                 "every cluster member including this node: ID=HOST:PORT,ID=HOST:PORT,...")
      ->required();
  app.add_option("--data-dir", data_dir,
                 "directory for the durable acceptor/learner log (paxos.log); created if absent")
      ->required();
  app.add_option("--bug", bugs,
                 "switch on a documented bug (repeatable or comma-separated): no-persist "
                 "(acceptor state kept only in memory: a restarted node forgets promises and "
                 "accepted values; chosen values can be lost or replaced), skip-promise-check "
                 "(acceptors accept Accept messages with ballots below their promise: two values "
                 "can be chosen for one slot); default none");
  app.add_option("--heartbeat-ms", o.heartbeat_ms, "leader heartbeat period")
      ->default_val(o.heartbeat_ms)->check(CLI::Range(1, 60000));
  app.add_option("--election-timeout-ms", o.election_timeout_ms,
                 "a follower that hears no leader for a random time in [N, 2N) starts phase 1; "
                 "a leader without a majority for 2N steps down")
      ->default_val(o.election_timeout_ms)->check(CLI::Range(2, 600000));
  app.add_option("--tick-ms", o.tick_ms, "granularity of the core's logical clock")
      ->default_val(o.tick_ms)->check(CLI::Range(1, 1000));
  app.add_option("--request-timeout-ms", o.request_timeout_ms,
                 "answer `timeout` (indeterminate) to a request still open after this long")
      ->default_val(o.request_timeout_ms)->check(CLI::Range(1, 3600000));
  try {
    app.parse(argc, argv);
    o.bugs = parse_bugs(bugs);
    o.id = id;
    o.listen = sut::parse_endpoint(listen);
    o.members = sut::parse_peers(peers);
    o.data_dir = data_dir;
    if (!o.members.count(o.id)) {
      throw CLI::ValidationError("--id", "\"" + id + "\" is not listed in --peers");
    }
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 254;
  } catch (const sut::SutError& e) {
    std::cerr << "faultline-paxosd: " << e.what() << " (see --help)\n";
    return 254;
  }
  try {
    sut::EventLoop loop;
    paxos::PaxosServer server(loop, o);
    loop.on_termination_signal([&] {
      server.shutdown();
      loop.stop();
    });
    loop.run();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "{\"level\":\"error\",\"node\":" << nlohmann::json(id).dump()
              << ",\"msg\":\"fatal\",\"error\":" << nlohmann::json(e.what()).dump() << "}\n";
    return 1;
  }
}
