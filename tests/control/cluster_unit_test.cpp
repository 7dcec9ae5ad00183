// Cluster plumbing without namespaces: nodes lists/files, names, remote factory, fault hooks.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "faultline/control/cluster.h"
#include "faultline/control/fault_hooks.h"
#include "faultline/control/local_cluster.h"
#include "faultline/core/error.h"

using namespace faultline::control;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "fl-cluster-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Records commands instead of running them (unit tests of code that drives nodes).
class RecordingRemote final : public Remote {
 public:
  explicit RecordingRemote(std::string node) : node_(std::move(node)) {}
  const std::string& node() const override { return node_; }
  ExecResult exec(const std::string& cmd, const ExecOptions&) override {
    log().push_back(node_ + ": " + cmd);
    return {0, node_ + "\n", "", ""};
  }
  void upload(const std::string&, const std::string&, int) override {}
  void download(const std::string&, const std::string&) override {}
  int64_t spawn(const std::string&, const SpawnOptions&) override { return 1; }
  static std::vector<std::string>& log() {
    static std::vector<std::string> l;
    return l;
  }

 private:
  std::string node_;
};

std::unique_ptr<Remote> recording_factory(const Cluster&, const std::string& node) {
  return std::make_unique<RecordingRemote>(node);
}

}  // namespace

TEST_CASE("--nodes lists parse hosts, ports and IPv6", "[control][cluster]") {
  auto nodes = parse_nodes_list("a, b:2222,[::1]:2200,fe80::1,[::2]", 22);
  REQUIRE(nodes.size() == 5);
  CHECK(nodes[0].name == "a");
  CHECK(nodes[0].port == 22);
  CHECK(nodes[1].host == "b");
  CHECK(nodes[1].port == 2222);
  CHECK(nodes[2].host == "::1");
  CHECK(nodes[2].port == 2200);
  CHECK(nodes[3].host == "fe80::1");
  CHECK(nodes[4].host == "::2");
  CHECK_THROWS_AS(parse_nodes_list("a,a", 22), ClusterError);
  CHECK_THROWS_AS(parse_nodes_list("a:x", 22), ClusterError);
  CHECK_THROWS_AS(parse_nodes_list("a:70000", 22), ClusterError);
  CHECK_THROWS_AS(parse_nodes_list(" , ", 22), ClusterError);
}

TEST_CASE("nodes files name nodes and report errors at file:line:col", "[control][cluster]") {
  TempDir dir;
  const auto path = (dir.path / "nodes").string();
  std::ofstream(path) << "# the test bed\n\ndb1 10.0.0.1\n  10.0.0.2:2222   # comment\ndb3 [::1]:22\n";
  auto nodes = parse_nodes_file(path, 22);
  REQUIRE(nodes.size() == 3);
  CHECK(nodes[0].name == "db1");
  CHECK(nodes[0].host == "10.0.0.1");
  CHECK(nodes[1].name == "10.0.0.2");
  CHECK(nodes[1].port == 2222);
  CHECK(nodes[2].name == "db3");
  CHECK(nodes[2].host == "::1");

  std::ofstream(path) << "db1 10.0.0.1\ndb2 10.0.0.2:99999\n";
  try {
    parse_nodes_file(path, 22);
    FAIL("no error");
  } catch (const faultline::ParseError& e) {
    CHECK(e.pos().line == 2);
    CHECK(e.pos().col == 5);
    CHECK(std::string(e.what()).find(path + ":2:5") == 0);
  }
  std::ofstream(path) << "a 1.2.3.4 extra\n";
  CHECK_THROWS_AS(parse_nodes_file(path, 22), faultline::ParseError);
  std::ofstream(path) << "a 1.2.3.4\na 1.2.3.5\n";
  CHECK_THROWS_AS(parse_nodes_file(path, 22), faultline::ParseError);
}

TEST_CASE("hosts clusters carry SSH settings and a stable state dir", "[control][cluster]") {
  TempDir dir;
  ::setenv("FAULTLINE_DATA_DIR", dir.path.c_str(), 1);
  HostsOptions h;
  h.nodes = "10.9.9.1,10.9.9.2:2222";
  h.ssh_user = "admin";
  h.ssh_key = "/keys/id_ed25519";
  h.strict_host_key_checking = false;
  Cluster a = open_hosts_cluster(h);
  h.nodes = "10.9.9.2:2222, 10.9.9.1";  // same hosts, other order: same journal
  Cluster b = open_hosts_cluster(h);
  ::unsetenv("FAULTLINE_DATA_DIR");
  CHECK(a.state_dir() == b.state_dir());
  CHECK(a.state_dir().rfind(dir.path.string() + "/hosts/", 0) == 0);
  CHECK(fs::is_directory(fs::path(a.fault_journal_path()).parent_path()));
  SshRemoteOptions o = a.ssh_options("10.9.9.2");
  CHECK(o.port == 2222);
  CHECK(o.user == "admin");
  CHECK(o.private_key_path == "/keys/id_ed25519");
  CHECK_FALSE(o.strict_host_key_checking);
  CHECK(o.netns.empty());
  CHECK_THROWS_AS(a.node("nope"), ClusterError);
  h.nodes_file = "/x";
  CHECK_THROWS_AS(open_hosts_cluster(h), ClusterError);  // both --nodes and --nodes-file
}

TEST_CASE("a cluster caches one remote per node and takes an injected factory", "[control][cluster]") {
  TempDir dir;
  Cluster c("t", dir.path.string(), {{"n1", "10.0.0.1", 22}, {"n2", "10.0.0.2", 22}}, SshSettings{});
  c.set_remote_factory(&recording_factory);
  RecordingRemote::log().clear();
  Remote& r1 = c.remote("n1");
  CHECK(&r1 == &c.remote("n1"));
  CHECK(&r1 != &c.remote("n2"));
  auto health = probe_nodes(c, 1000);
  REQUIRE(health.size() == 2);
  CHECK(health[1].reachable);
  CHECK(health[1].hostname == "n2");
  CHECK(RecordingRemote::log() == std::vector<std::string>{"n1: hostname", "n2: hostname"});
  CHECK_THROWS_AS(Cluster("t", dir.path.string(), {{"n1", "a", 22}, {"n1", "b", 22}}, SshSettings{}), ClusterError);
}

TEST_CASE("fault hooks registry and journal detection", "[control][cluster]") {
  TempDir dir;
  Cluster c("t", dir.path.string(), {{"n1", "10.0.0.1", 22}}, SshSettings{});
  CHECK(c.fault_journal_path() == dir.path.string() + "/faults/journal.jsonl");
  CHECK_FALSE(fault_journal_has_entries(c));
  std::ofstream(c.fault_journal_path()) << "\n  \n";
  CHECK_FALSE(fault_journal_has_entries(c));
  std::ofstream(c.fault_journal_path(), std::ios::app) << "{\"fault\":\"partition\"}\n";
  CHECK(fault_journal_has_entries(c));

  const FaultHooks saved = fault_hooks();
  static int heal_calls = 0;
  FaultHooksRegistrar reg(FaultHooks{
      .heal_all = [](Cluster& cl) {
        ++heal_calls;
        return HealReport{true, {"healed " + cl.name()}};
      },
      .active_faults = nullptr});
  REQUIRE(fault_hooks().heal_all != nullptr);
  HealReport r = fault_hooks().heal_all(c);
  CHECK(heal_calls == 1);
  CHECK(r.lines == std::vector<std::string>{"healed t"});
  register_fault_hooks(saved);
}

TEST_CASE("local cluster names are checked", "[control][cluster]") {
  CHECK_NOTHROW(validate_cluster_name("c1_test"));
  CHECK_THROWS_AS(validate_cluster_name(""), ClusterError);
  CHECK_THROWS_AS(validate_cluster_name("a-b"), ClusterError);  // '-' would make netns names ambiguous
  CHECK_THROWS_AS(validate_cluster_name("../x"), ClusterError);
  CHECK_THROWS_AS(validate_cluster_name(std::string(25, 'a')), ClusterError);
  CHECK(local_cluster_state_dir("c1").find("/clusters/c1") != std::string::npos);
}
