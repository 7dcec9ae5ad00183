// Integration: a real local cluster (namespaces, bridge, sshd per node) driven over real SSH.
// Needs root. Every cluster made here is removed at exit, and clusters left by a killed earlier
// run (names carry the pid of the run that made them) are removed first.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "faultline/control/local_cluster.h"
#include "faultline/control/local_remote.h"
#include "faultline/control/netns.h"
#include "faultline/control/ssh_remote.h"
#include "test_util/temp_dir.h"

using namespace faultline::control;
namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "fltc";  // fltc<pid>x<k>

std::string faultline_bin() { return std::string(FAULTLINE_BINARY_DIR) + "/cli/faultline"; }

void remove_stale_test_clusters() {
  for (const auto& name : list_local_clusters()) {
    if (name.rfind(kPrefix, 0) != 0) continue;
    const long pid = std::atol(name.c_str() + std::strlen(kPrefix));
    if (pid > 0 && pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0) local_cluster_down(name);
  }
}

std::string unique_name(const char* tag) {
  return std::string(kPrefix) + std::to_string(::getpid()) + tag;
}

// RAII: up on construction, down on destruction (also when a test fails).
struct ClusterGuard {
  std::string name;
  UpResult up;
  ClusterGuard(std::string n, int nodes) : name(std::move(n)) {
    remove_stale_test_clusters();
    up = local_cluster_up({.name = name, .nodes = nodes, .ready_timeout_ms = 15'000});
  }
  ~ClusterGuard() {
    try {
      local_cluster_down(name);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cluster down %s failed: %s\n", name.c_str(), e.what());
    }
  }
};

ClusterGuard& shared_cluster() {
  static ClusterGuard guard(unique_name("s"), 3);
  return guard;
}

std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

ExecResult host(const std::string& cmd, int64_t timeout_ms = 30'000) {
  static auto local = make_local_remote();
  ExecOptions eo;
  eo.timeout_ms = timeout_ms;
  return local->exec(cmd, eo);
}

}  // namespace

TEST_CASE("cluster up: each node has its own hostname, pid and mount namespace", "[control][integration]") {
  REQUIRE(::geteuid() == 0);
  // Nothing is added to the root namespace: same interfaces and routes before and after.
  const std::string root_view_cmd = "ip -o link show | cut -d: -f2 | sort; ip route show; ip -6 route show";
  const std::string root_before = host(root_view_cmd).out;
  ClusterGuard& g = shared_cluster();
  CHECK(host(root_view_cmd).out == root_before);
  Cluster c = open_local_cluster(g.name);
  REQUIRE(c.nodes().size() == 3);
  for (const auto& n : c.nodes()) {
    ExecResult r = c.remote(n.name).exec("hostname; echo $$; ls /var/lib | wc -l; cat /proc/1/cmdline | tr '\\0' ' '");
    REQUIRE(r.ok());
    INFO(r.out);
    CHECK(r.out.rfind(n.name + "\n", 0) == 0);
    CHECK(r.out.find("/bin/sh " + c.local()->state_dir + "/nodes/" + n.name + "/init.sh") != std::string::npos);
  }
  // Nodes reach each other by name, over the bridge.
  ExecResult r = c.remote("n1").exec("getent hosts n3");
  CHECK(r.ok());
  CHECK(r.out.find(c.node("n3").host) == 0);
}

TEST_CASE("ssh exec separates stdout, stderr and exit status; feeds stdin", "[control][integration]") {
  Cluster c = open_local_cluster(shared_cluster().name);
  Remote& n2 = c.remote("n2");
  ExecResult r = n2.exec("echo to-out; echo to-err >&2; exit 42");
  CHECK(r.exit_status == 42);
  CHECK(r.out == "to-out\n");
  CHECK(r.err == "to-err\n");
  ExecOptions eo;
  eo.stdin_data = "a\nb\nc\n";
  r = n2.exec("wc -l", eo);
  CHECK(r.ok());
  CHECK(r.out.find('3') != std::string::npos);
  r = n2.exec("kill -KILL $$");
  CHECK(r.exit_status == -1);
  CHECK(r.exit_signal == "KILL");
  // Hostile arguments arrive intact through shell_join over SSH.
  r = n2.exec("printf '<%s>' " + shell_join({"a b", "$(id)", "`id`", "'\"", "\n", "*"}));
  CHECK(r.out == "<a b><$(id)><`id`><'\"><\n><*>");
  // Big stdin streamed through while big stdout comes back.
  ExecOptions big;
  big.stdin_data = random_bytes(1'500'000, 11);
  r = n2.exec("cat", big);
  CHECK(r.ok());
  CHECK(r.out == big.stdin_data);
  // Big output on both streams at once does not deadlock.
  r = n2.exec("head -c 3000000 /dev/zero; head -c 2000000 /dev/zero >&2");
  CHECK(r.ok());
  CHECK(r.out.size() == 3'000'000);
  CHECK(r.err.size() == 2'000'000);
}

TEST_CASE("ssh exec timeout kills the remote command", "[control][integration]") {
  Cluster c = open_local_cluster(shared_cluster().name);
  Remote& n3 = c.remote("n3");
  ExecOptions eo;
  eo.timeout_ms = 400;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    n3.exec("sleep 31.7 & sleep 31.8", eo);
    FAIL("no timeout");
  } catch (const RemoteError& e) {
    CHECK(e.node() == "n3");
    CHECK(std::string(e.what()).find("timed out") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
  // The same Remote reconnects, and neither sleep survived (the whole group was killed).
  ExecResult r = n3.exec("sleep 0.2; pgrep -f 'sleep 31.[78]' || echo none");
  CHECK(r.out == "none\n");
}

TEST_CASE("sftp upload and download round-trip", "[control][integration]") {
  Cluster c = open_local_cluster(shared_cluster().name);
  Remote& n1 = c.remote("n1");
  const faultline::test::TempDir tmp("fl-sftp");  // removed whatever happens
  const std::string dir = tmp.path.string();
  const std::string data = random_bytes(300'000, 7);
  std::ofstream(dir + "/up", std::ios::binary) << data;
  n1.upload(dir + "/up", "/tmp/fl-up.bin", 0640);
  ExecResult r = n1.exec("stat -c %a /tmp/fl-up.bin; md5sum < /tmp/fl-up.bin");
  ExecResult local = host("md5sum < " + shell_quote(dir + "/up"));
  CHECK(r.out == "640\n" + local.out);
  // The node's /tmp is its own: the file is not in n2's /tmp nor in the host's.
  CHECK(c.remote("n2").exec("test -e /tmp/fl-up.bin").exit_status == 1);
  CHECK_FALSE(fs::exists("/tmp/fl-up.bin"));
  n1.download("/tmp/fl-up.bin", dir + "/down");
  CHECK(slurp(dir + "/down") == data);
  CHECK_THROWS_AS(n1.download("/nonexistent/x", dir + "/x"), RemoteError);
  // spawn: a detached daemon with pid file and log, inside the node.
  SpawnOptions so{.pid_file = "/tmp/d.pid", .log_file = "/tmp/d.log", .chdir = "/tmp", .env = {{"GREETING", "hi"}}};
  int64_t pid = n1.spawn("sh -c 'echo $GREETING; exec sleep 30'", so);
  r = n1.exec("sleep 0.1; cat /tmp/d.pid /tmp/d.log; kill " + std::to_string(pid));
  CHECK(r.out == std::to_string(pid) + "\nhi\n");
}

TEST_CASE("host key mismatch and unknown hosts are refused", "[control][integration]") {
  Cluster c = open_local_cluster(shared_cluster().name);
  const LocalClusterInfo& info = *c.local();
  const faultline::test::TempDir tmp("fl-kh");  // removed whatever happens
  const std::string dir = tmp.path.string();
  // n2's host key recorded under n1's address.
  std::string n2_pub = slurp(info.nodes[1].dir + "/hostkey_ed25519.pub");
  std::ofstream(dir + "/wrong") << info.nodes[0].address << " " << n2_pub;
  std::ofstream(dir + "/empty") << "";
  SshRemoteOptions o = c.ssh_options("n1");
  o.known_hosts_path = dir + "/wrong";
  try {
    make_ssh_remote(o)->exec("true");
    FAIL("connected despite a host key mismatch");
  } catch (const RemoteError& e) {
    CHECK(std::string(e.what()).find("HOST KEY MISMATCH") != std::string::npos);
    CHECK(std::string(e.what()).find("SHA256:") != std::string::npos);
  }
  o.known_hosts_path = dir + "/empty";
  try {
    make_ssh_remote(o)->exec("true");
    FAIL("connected to a host missing from known_hosts");
  } catch (const RemoteError& e) {
    CHECK(std::string(e.what()).find("is not in") != std::string::npos);
  }
  o.strict_host_key_checking = false;  // only when asked
  CHECK(make_ssh_remote(o)->exec("hostname").out == "n1\n");
}

TEST_CASE("the control namespace has no route out", "[control][integration]") {
  Cluster c = open_local_cluster(shared_cluster().name);
  const LocalClusterInfo& info = *c.local();
  ExecResult routes = host("ip -n " + info.control_netns + " route show; ip -n " + info.control_netns + " -6 route show");
  REQUIRE(routes.ok());
  CHECK(routes.out.find("default") == std::string::npos);
  // A connect to an outside address (TEST-NET-1) from the control namespace fails at once with
  // ENETUNREACH: no packet can leave. (Nothing is sent from the root namespace.)
  int fd = open_socket_in_netns(info.control_netns, AF_INET, SOCK_STREAM);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(9);
  ::inet_pton(AF_INET, "192.0.2.1", &sa.sin_addr);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  int err = errno;
  ::close(fd);
  CHECK(rc == -1);
  CHECK(err == ENETUNREACH);
  // Same from inside a node.
  ExecResult r = c.remote("n1").exec("ip route show | grep -c default || true");
  CHECK(r.out == "0\n");
}

TEST_CASE("a stale session is replaced after sshd restarts", "[control][integration]") {
  Cluster c = open_local_cluster(shared_cluster().name);
  const LocalNode& n2 = c.local()->nodes[1];
  Remote& r = c.remote("n2");
  REQUIRE(r.exec("true").ok());
  // Restart the node's sshd from the host, entering the node's namespaces (a netns-local remote).
  auto inside = make_local_remote(
      LocalRemoteOptions{.node = "n2-local", .prefix_argv = {"nsenter", "-t", std::to_string(n2.init_pid), "-a"}});
  ExecResult h = inside->exec("hostname");
  CHECK(h.out == "n2\n");
  ExecResult k = inside->exec("pkill -KILL -x sshd; sleep 0.1; /usr/sbin/sshd -f " + shell_quote(n2.dir + "/sshd_config") +
                              " -E " + shell_quote(n2.dir + "/sshd.log"));
  REQUIRE(k.ok());
  ExecResult again = r.exec("hostname");
  CHECK(again.out == "n2\n");
}

TEST_CASE("faultline cluster exec/status pass exit status through; real-hosts path works", "[control][integration]") {
  ClusterGuard& g = shared_cluster();
  const std::string bin = shell_quote(faultline_bin());
  REQUIRE(fs::exists(faultline_bin()));
  ExecResult r = host(bin + " cluster exec --name " + g.name + " n2 -- sh -c 'echo hi; exit 42'");
  CHECK(r.exit_status == 42);
  CHECK(r.out == "hi\n");
  r = host(bin + " cluster exec --name " + g.name + " n3 -- 'hostname; echo oops >&2; false'");
  CHECK(r.exit_status == 1);
  CHECK(r.out == "n3\n");
  CHECK(r.err == "oops\n");
  r = host(bin + " cluster exec --name " + g.name + " n9 -- true");
  CHECK(r.exit_status != 0);
  CHECK(r.err.find("no node named 'n9'") != std::string::npos);
  r = host(bin + " cluster status --name " + g.name);
  CHECK(r.exit_status == 0);
  CHECK(r.out.find("ok (n3,") != std::string::npos);
  r = host(bin + " cluster status --json --name " + g.name);
  CHECK(r.exit_status == 0);
  {
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["kind"] == "local");
    CHECK(j["healthy"] == true);
    REQUIRE(j["nodes"].size() == 3);
    CHECK(j["nodes"][2]["hostname"] == "n3");
    CHECK(j["nodes"][2]["init_running"] == true);
    CHECK(j["control_netns"] == g.up.info.control_netns);
  }
  r = host("printf 'line one\\nline two\\n' | " + bin + " cluster exec --stdin --name " + g.name + " n1 -- wc -l");
  CHECK(r.exit_status == 0);
  CHECK(r.out.find('2') != std::string::npos);
  r = host(bin + " cluster heal --name " + g.name);
  CHECK(r.exit_status == 0);
  // Item 3: the same nodes as "real hosts" (nodes file + key + known_hosts). Run from inside the
  // control namespace, which is where a machine on that network would be.
  const LocalClusterInfo& info = g.up.info;
  const std::string nodes_file = info.state_dir + "/hosts.txt";
  std::ofstream(nodes_file) << "alpha " << info.nodes[0].address << ":22\nbeta " << info.nodes[1].address << "\n";
  // Keep the real-hosts state dir (fault journal) inside the cluster's, which `down` removes.
  const std::string in_ctl = "ip netns exec " + info.control_netns + " env FAULTLINE_DATA_DIR=" +
                             shell_quote(info.state_dir + "/hosts-data") + " ";
  const std::string hosts_args = " --nodes-file " + shell_quote(nodes_file) + " --ssh-key " + shell_quote(info.client_key_path) +
                                 " --known-hosts " + shell_quote(info.known_hosts_path);
  r = host(in_ctl + bin + " cluster exec" + hosts_args + " beta -- 'hostname; exit 5'");
  CHECK(r.exit_status == 5);
  CHECK(r.out == "n2\n");
  r = host(in_ctl + bin + " cluster status" + hosts_args);
  CHECK(r.exit_status == 0);
  CHECK(r.out.find("ok (n1,") != std::string::npos);
}

TEST_CASE("cluster up is idempotent", "[control][integration]") {
  ClusterGuard& g = shared_cluster();
  UpResult again = local_cluster_up({.name = g.name, .nodes = 3, .ready_timeout_ms = 15'000});
  CHECK(again.already_up);
  REQUIRE(again.info.nodes.size() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK(again.info.nodes[i].init_pid == g.up.info.nodes[i].init_pid);
  CHECK_THROWS_AS(local_cluster_up({.name = g.name, .nodes = 2, .ready_timeout_ms = 15'000}), ClusterError);
}

TEST_CASE("cluster down leaves no namespace, process or file behind", "[control][integration]") {
  const std::string name = unique_name("d");
  LocalClusterInfo info;
  {
    ClusterGuard g(name, 2);
    {
      // A node crash (SIGKILL of its init) mid-command is a prompt RemoteError, not a hang...
      Cluster c = open_local_cluster(name);
      auto pending = std::async(std::launch::async, [&c] {
        try {
          c.remote("n2").exec("sleep 20", ExecOptions{.timeout_ms = 15'000, .stdin_data = {}, .sudo = false});
          return std::string("no error");
        } catch (const RemoteError& e) {
          return std::string(e.what());
        }
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      const auto t0 = std::chrono::steady_clock::now();
      ::kill(static_cast<pid_t>(g.up.info.nodes[1].init_pid), SIGKILL);
      REQUIRE(pending.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
      CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
      const std::string msg = pending.get();
      CHECK(msg.find("node n2") != std::string::npos);
      CHECK(msg.find("timed out") == std::string::npos);
    }
    // ...and `up` rebuilds a broken cluster.
    UpResult rebuilt = local_cluster_up({.name = name, .nodes = 2, .ready_timeout_ms = 15'000});
    CHECK_FALSE(rebuilt.already_up);
    REQUIRE_FALSE(rebuilt.notes.empty());
    CHECK(rebuilt.notes.front().find("not healthy") != std::string::npos);
    CHECK(open_local_cluster(name).remote("n2").exec("hostname").out == "n2\n");
    info = rebuilt.info;
    // A process started straight in a node's netns (outside its PID namespace) goes too.
    ExecResult r = host("ip netns exec " + info.nodes[0].netns + " setsid sleep 33.3 > /dev/null 2>&1 < /dev/null & echo $!");
    REQUIRE(r.ok());
    info.nodes[0].unshare_pid = std::stoll(r.out);  // reuse the field to remember this pid
    DownResult d = local_cluster_down(name);
    CHECK(d.existed);
  }  // the guard's second down is a no-op
  ExecResult ns = host("ip netns list");
  CHECK(ns.out.find("fl-" + name + "-") == std::string::npos);
  for (const auto& n : info.nodes) {
    std::ifstream stat("/proc/" + std::to_string(n.init_pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const bool gone_or_zombie = line.empty() || line.find(") Z") != std::string::npos;
    CHECK(gone_or_zombie);
  }
  CHECK(host("pgrep -f 'sleep 33[.]3' || echo none").out == "none\n");
  CHECK_FALSE(fs::exists(info.state_dir));
  CHECK_FALSE(fs::exists(info.data_dir));
  DownResult again = local_cluster_down(name);
  CHECK_FALSE(again.existed);
}

TEST_CASE("ssh-agent authentication when no key file is given", "[control][integration]") {
  Cluster c = open_local_cluster(shared_cluster().name);
  const LocalClusterInfo& info = *c.local();
  const std::string sock = info.state_dir + "/agent.sock";
  auto local = make_local_remote();
  SpawnOptions so{.pid_file = info.state_dir + "/agent.pid", .log_file = info.state_dir + "/agent.log", .chdir = "", .env = {}};
  const int64_t agent = local->spawn("ssh-agent -D -a " + shell_quote(sock), so);
  struct AgentGuard {
    int64_t pid;
    ~AgentGuard() { ::kill(static_cast<pid_t>(pid), SIGKILL); }
  } guard{agent};
  bool ready = false;
  for (int i = 0; i < 200 && !ready; ++i) {
    ready = fs::exists(sock);
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(ready);
  REQUIRE(host("SSH_AUTH_SOCK=" + shell_quote(sock) + " ssh-add -q " + shell_quote(info.client_key_path)).ok());
  SshRemoteOptions o = c.ssh_options("n3");
  o.private_key_path.clear();
  const char* saved = std::getenv("SSH_AUTH_SOCK");
  std::string saved_value = saved ? saved : "";
  ::setenv("SSH_AUTH_SOCK", sock.c_str(), 1);
  ExecResult r = make_ssh_remote(o)->exec("hostname");
  // An agent with no usable identity is refused with a clear message.
  REQUIRE(host("SSH_AUTH_SOCK=" + shell_quote(sock) + " ssh-add -q -D").ok());
  std::string refused;
  try {
    make_ssh_remote(o)->exec("true");
  } catch (const RemoteError& e) {
    refused = e.what();
  }
  if (saved) {
    ::setenv("SSH_AUTH_SOCK", saved_value.c_str(), 1);
  } else {
    ::unsetenv("SSH_AUTH_SOCK");
  }
  CHECK(r.out == "n3\n");
  CHECK(refused.find("ssh-agent identities") != std::string::npos);
}

TEST_CASE("without root, cluster commands say so", "[control][integration]") {
  const std::string bin = shell_quote(faultline_bin());
  ExecResult r = host("setpriv --reuid=65534 --regid=65534 --clear-groups " + bin + " cluster up --name x");
  CHECK(r.exit_status == 255);
  CHECK(r.err.find("needs root") != std::string::npos);
  r = host("setpriv --reuid=65534 --regid=65534 --clear-groups " + bin + " cluster down --name x");
  CHECK(r.exit_status == 255);
  CHECK(r.err.find("needs root") != std::string::npos);
}
