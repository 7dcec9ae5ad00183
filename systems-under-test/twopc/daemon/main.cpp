// faultline-2pcd: two-phase commit over sharded keys (see ../README.md and
// systems-under-test/PROTOCOL.md). Parses flags, runs TwoPcServer on one thread; exit 0 on
// SIGTERM/SIGINT, 254 on bad arguments, 1 on a fatal runtime error.
#include <CLI/CLI.hpp>

#include <iostream>

#include "faultline/sut/daemon_support.h"
#include "faultline/sut/error.h"
#include "twopc_server.h"

using namespace faultline;

int main(int argc, char** argv) {
  CLI::App app{
      "faultline-2pcd: two-phase commit over sharded keys (a faultline reference system under "
      "test).\nEvery node owns the keys hashed to it and coordinates its own clients' requests "
      "(read, write, cas, append, txn across shards) with strict two-phase locking and presumed "
      "abort. Clients and peers speak JSON lines over TCP on --listen (PROTOCOL.md); prepare "
      "and decision records are fsynced to --data-dir before the vote / commit leaves, so "
      "kill -9 loses nothing acknowledged.\nLogs: one JSON object per line on stderr with node "
      "and incarnation; prints msg \"ready\" once listening. SIGTERM/SIGINT: clean shutdown, "
      "exit 0."};
  sut::DaemonFlags flags;
  sut::add_daemon_flags(
      app, flags,
      "no-decision-log (the coordinator's commit decision is not written: after a restart it "
      "answers abort for txns it committed, so some shards commit and others abort), "
      "early-release (shared locks are released when the vote is sent: write skew / G2), "
      "presume-commit (a prepared participant that hears no decision in --presume-commit-ms "
      "commits on its own)",
      {"no-decision-log", "early-release", "presume-commit"});
  twopc::ServerOptions o;
  app.add_option("--tick-ms", o.tick_ms, "granularity of the core's logical clock")
      ->default_val(o.tick_ms)->check(CLI::Range(1, 1000));
  app.add_option("--vote-timeout-ms", o.vote_timeout_ms,
                 "a coordinator missing votes this long aborts the txn (client: unavailable)")
      ->default_val(o.vote_timeout_ms)->check(CLI::Range(1, 600000));
  app.add_option("--query-after-ms", o.query_after_ms,
                 "a prepared participant with no decision this long asks its coordinator")
      ->default_val(o.query_after_ms)->check(CLI::Range(1, 600000));
  app.add_option("--retry-ms", o.retry_ms,
                 "period of repeated queries and of commit resends to unacknowledging shards")
      ->default_val(o.retry_ms)->check(CLI::Range(1, 600000));
  app.add_option("--presume-commit-ms", o.presume_commit_ms,
                 "with --bug presume-commit: how long a prepared participant waits before it "
                 "commits on its own")
      ->default_val(o.presume_commit_ms)->check(CLI::Range(1, 600000));
  app.add_option("--lock-wait-ms", o.lock_wait_ms,
                 "a prepare whose locks are held waits up to this long, then votes no (0: at once)")
      ->default_val(o.lock_wait_ms)->check(CLI::Range(0, 600000));
  app.footer("Exit codes: 0 clean stop, 1 fatal error (message on stderr), 254 bad arguments.");
  try {
    app.parse(argc, argv);
    flags.resolve();
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 254;
  } catch (const sut::SutError& e) {
    std::cerr << "faultline-2pcd: " << e.what() << " (see --help)\n";
    return 254;
  }
  o.id = flags.id;
  o.listen = flags.listen;
  o.members = flags.peers;
  o.data_dir = flags.data_dir;
  o.bugs.no_decision_log = flags.has_bug("no-decision-log");
  o.bugs.early_release = flags.has_bug("early-release");
  o.bugs.presume_commit = flags.has_bug("presume-commit");
  try {
    sut::EventLoop loop;
    twopc::TwoPcServer server(loop, o);
    loop.on_termination_signal([&] {
      server.shutdown();
      loop.stop();
    });
    loop.run();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "{\"level\":\"error\",\"node\":" << nlohmann::json(flags.id).dump()
              << ",\"msg\":\"fatal\",\"error\":" << nlohmann::json(e.what()).dump() << "}\n";
    return 1;
  }
}
