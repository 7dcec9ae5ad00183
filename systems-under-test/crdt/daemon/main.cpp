// faultline-crdtd: the CRDT store reference daemon (see ../README.md and
// systems-under-test/PROTOCOL.md). Parses flags, runs CrdtServer on one thread, exits 0 on
// SIGTERM/SIGINT, 254 on bad arguments, 1 on a fatal runtime error.
#include <CLI/CLI.hpp>

#include <iostream>
#include <sstream>

#include "crdt_server.h"
#include "faultline/sut/error.h"

using namespace faultline;

namespace {

crdt::Bugs parse_bugs(const std::vector<std::string>& names) {
  crdt::Bugs bugs;
  for (const std::string& list : names) {
    std::stringstream ss(list);
    std::string name;
    while (std::getline(ss, name, ',')) {
      if (name == "lww-wall-clock") bugs.lww_wall_clock = true;
      else if (name == "no-tombstone-merge") bugs.no_tombstone_merge = true;
      else if (name == "drop-on-restart") bugs.drop_on_restart = true;
      else if (name == "none" || name.empty()) continue;
      else throw CLI::ValidationError("--bug", "unknown bug \"" + name +
                                      "\" (known: lww-wall-clock, no-tombstone-merge, drop-on-restart)");
    }
  }
  return bugs;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "faultline-crdtd: replicated state-based CRDT store (a faultline reference system under "
      "test).\nEvery node accepts every op locally: g-add, pn-add (counters), set-add, "
      "set-remove (OR-set), write (LWW register, hybrid logical clock), read (\"vv\":true adds "
      "the node's version vector), status. Anti-entropy gossip ships peers the keys their "
      "version vector lacks. State is fsynced to --data-dir before any reply, so kill -9 loses "
      "nothing acknowledged.\nLogs: one JSON object per line on stderr with node and vv; "
      "prints msg \"ready\" once listening. SIGTERM/SIGINT: clean shutdown, exit 0."};
  std::string id, listen, peers, data_dir;
  std::vector<std::string> bugs;
  crdt::ServerOptions o;
  app.add_option("--id", id, "this node's id; must be one of the ids in --peers")->required();
  app.add_option("--listen", listen, "HOST:PORT to listen on for clients and peers")->required();
  app.add_option("--peers", peers,
                 "every cluster member including this node: ID=HOST:PORT,ID=HOST:PORT,...")
      ->required();
  app.add_option("--data-dir", data_dir,
                 "directory for the durable state (crdt.log, LOCK); created if absent")
      ->required();
  app.add_option("--bug", bugs,
                 "switch on a documented bug (repeatable or comma-separated): lww-wall-clock "
                 "(LWW timestamps from the raw wall clock: under clock skew a causally later "
                 "write loses), no-tombstone-merge (OR-set merges drop the peer's removes: removed "
                 "elements resurrect / replicas diverge), drop-on-restart (local updates are "
                 "acknowledged without being persisted: ungossiped writes are lost on restart); "
                 "default none");
  app.add_option("--gossip-ms", o.gossip_ms, "anti-entropy period: a sync to every peer")
      ->default_val(o.gossip_ms)->check(CLI::Range(1, 60000));
  try {
    app.parse(argc, argv);
    o.bugs = parse_bugs(bugs);
    o.id = id;
    o.listen = sut::parse_endpoint(listen);
    o.members = sut::parse_peers(peers);
    o.data_dir = data_dir;
    if (!o.members.count(o.id))
      throw CLI::ValidationError("--id", "\"" + id + "\" is not listed in --peers");
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 254;
  } catch (const sut::SutError& e) {
    std::cerr << "faultline-crdtd: " << e.what() << " (see --help)\n";
    return 254;
  }
  try {
    sut::EventLoop loop;
    crdt::CrdtServer server(loop, o);
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
