// faultline-raftd: a Raft-replicated key-value daemon speaking the JSON-lines protocol of
// systems-under-test/PROTOCOL.md. Flags are explained by --help.
#include <CLI/CLI.hpp>

#include <iostream>

#include "faultline/sut/address.h"
#include "faultline/sut/error.h"
#include "raft_daemon.h"

int main(int argc, char** argv) {
  using faultline::raft::DaemonOptions;
  DaemonOptions o;
  std::string listen, peers;
  std::vector<std::string> bugs;
  CLI::App app{
      "faultline-raftd: Raft-replicated key-value store (read, write, cas, append, txn) for\n"
      "faultline's tests. Clients and peers speak JSON lines over TCP on the --listen port; see\n"
      "systems-under-test/PROTOCOL.md for requests, replies and error codes."};
  app.add_option("--id", o.id, "This node's id; must be one of the ids in --peers")->required();
  app.add_option("--listen", listen,
                 "host:port to accept clients and peers on (e.g. 127.0.0.1:7001)")->required();
  app.add_option("--peers", peers,
                 "Every cluster member including this one, as id=host:port,... "
                 "(e.g. n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003)")->required();
  app.add_option("--data-dir", o.data_dir,
                 "Directory for the durable Raft log (raft.log, fsynced before every ack) and its "
                 "LOCK file; created if absent. Restarting with the same dir recovers the node")
      ->required();
  app.add_option("--bug", bugs,
                 "Switch on a known bug (repeatable): stale-read = every node answers reads from "
                 "local state; early-ack = leader commits and acks before a majority has the "
                 "entry; forget-vote = term and vote are not persisted")
      ->check(CLI::IsMember({"stale-read", "early-ack", "forget-vote"}));
  app.add_option("--election-timeout-ms", o.election_timeout_ms,
                 "Base election timeout; each wait is randomized in [T, 2T)")
      ->capture_default_str()->check(CLI::Range(20, 600000));
  app.add_option("--heartbeat-ms", o.heartbeat_ms,
                 "Leader heartbeat period; must be smaller than the election timeout")
      ->capture_default_str()->check(CLI::Range(1, 60000));
  app.add_option("--tick-ms", o.tick_ms, "Granularity of the protocol clock")
      ->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--request-timeout-ms", o.request_timeout_ms,
                 "How long a proposed op may stay unresolved before the reply is the "
                 "indeterminate error \"timeout\"")
      ->capture_default_str()->check(CLI::Range(10, 3600000));
  app.footer(
      "Logs: one JSON object per line on stderr with node and term; \"ready\" once listening.\n"
      "Signals: SIGTERM/SIGINT stop cleanly (exit 0). kill -9 is safe: state is recovered\n"
      "from --data-dir, a torn log tail is truncated.\n"
      "Exit codes: 0 clean stop, 1 fatal error (message on stderr), 254 bad arguments\n"
      "(faultline's \"bad arguments\" code, as faultline-paxosd).");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 254;
  }
  try {
    o.listen = faultline::sut::parse_endpoint(listen);
    o.peers = faultline::sut::parse_peers(peers);
    if (!o.peers.count(o.id))
      throw faultline::sut::SutError("--id " + o.id + " is not listed in --peers");
    if (o.heartbeat_ms >= o.election_timeout_ms)
      throw faultline::sut::SutError("--heartbeat-ms must be smaller than --election-timeout-ms");
    if (o.tick_ms > o.heartbeat_ms)
      throw faultline::sut::SutError("--tick-ms must not exceed --heartbeat-ms");
  } catch (const faultline::sut::SutError& e) {
    std::cerr << "faultline-raftd: " << e.what() << " (see --help)\n";
    return 254;
  }
  for (const auto& b : bugs) {
    if (b == "stale-read") o.stale_read = true;
    if (b == "early-ack") o.bugs.early_ack = true;
    if (b == "forget-vote") o.bugs.forget_vote = true;
  }
  return faultline::raft::run_raft_daemon(o);
}
