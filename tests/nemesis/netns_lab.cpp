#include "netns_lab.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace faultline::nemesis::testing {
namespace {
using Clock = std::chrono::steady_clock;

int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

void must(const control::ExecResult& r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + " failed: exit " + std::to_string(r.exit_status) + ": " + r.err);
}

sockaddr_in addr_of(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1) throw std::runtime_error("bad ip " + ip);
  return a;
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool pid_alive(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  std::getline(in, s);
  if (s.empty()) return false;
  auto p = s.rfind(')');
  return p != std::string::npos && p + 2 < s.size() && s[p + 2] != 'Z';
}
}  // namespace

control::ExecResult run_local(const std::vector<std::string>& argv, int64_t timeout_ms,
                              const std::string& stdin_data) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (!stdin_data.empty()) {
    ssize_t n = ::write(in[1], stdin_data.data(), stdin_data.size());
    (void)n;
  }
  ::close(in[1]);
  control::ExecResult r;
  const auto start = Clock::now();
  bool open_out = true, open_err = true, timed_out = false;
  char buf[4096];
  while (open_out || open_err) {
    int64_t left = timeout_ms - ms_since(start);
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p[2] = {{open_out ? out[0] : -1, POLLIN, 0}, {open_err ? err[0] : -1, POLLIN, 0}};
    int k = ::poll(p, 2, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (k < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(p[i].fd, buf, sizeof buf);
      if (n <= 0) {
        (i == 0 ? open_out : open_err) = false;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  ::close(out[0]);
  ::close(err[0]);
  if (timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (timed_out) throw control::RemoteError("local", argv.back(), "timed out");
  r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

control::ExecResult NetnsRemote::exec(const std::string& cmd, const control::ExecOptions& opts) {
  return run_local({"ip", "netns", "exec", ns_, "/bin/sh", "-c", cmd}, opts.timeout_ms,
                   opts.stdin_data);
}

void NetnsRemote::upload(const std::string& local_path, const std::string& remote_path, int mode) {
  // The lab's nodes share this machine's filesystem.
  std::filesystem::copy_file(local_path, remote_path,
                             std::filesystem::copy_options::overwrite_existing);
  ::chmod(remote_path.c_str(), static_cast<mode_t>(mode));
}

void NetnsRemote::download(const std::string& remote_path, const std::string& local_path) {
  std::filesystem::copy_file(remote_path, local_path,
                             std::filesystem::copy_options::overwrite_existing);
}

int64_t NetnsRemote::spawn(const std::string& cmd, const control::SpawnOptions& opts) {
  const std::string c = "setsid sh -c " + control::shell_quote("echo $$ > " + control::shell_quote(opts.pid_file) + "; exec " + cmd) +
                        " > " + control::shell_quote(opts.log_file) + " 2>&1 < /dev/null & " +
                        "i=0; while [ ! -s " + control::shell_quote(opts.pid_file) +
                        " ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i+1)); done; cat " +
                        control::shell_quote(opts.pid_file);
  control::ExecOptions eo;
  eo.timeout_ms = 10'000;
  auto r = exec(c, eo);
  if (!r.ok()) throw control::RemoteError(node_, c, "spawn failed: " + r.err);
  return std::stoll(r.out);
}

int socket_in(const std::string& netns, int domain, int type) {
  int result = -1;
  int err = 0;
  std::thread t([&] {
    int nsfd = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) {
      err = errno;
      if (nsfd >= 0) ::close(nsfd);
      return;
    }
    ::close(nsfd);
    result = ::socket(domain, type | SOCK_CLOEXEC, 0);
    if (result < 0) err = errno;
  });
  t.join();
  if (result < 0) throw std::runtime_error("socket in " + netns + ": " + std::strerror(err));
  return result;
}

NetnsLab::NetnsLab(int nodes) {
  if (::geteuid() != 0) throw std::runtime_error("NetnsLab needs root");
  made_run_netns_ = !std::filesystem::exists("/run/netns");
  // Remove what a killed earlier run of these tests left (its pid is gone).
  if (std::filesystem::exists("/run/netns")) {
    for (const auto& e : std::filesystem::directory_iterator("/run/netns")) {
      const std::string n = e.path().filename();
      if (n.rfind("flnem-", 0) != 0) continue;
      auto dash = n.find('-', 6);
      if (dash == std::string::npos) continue;
      const std::string pid = n.substr(6, dash - 6);
      if (!std::filesystem::exists("/proc/" + pid)) run_local({"ip", "netns", "del", n}, 5000);
    }
  }
  prefix_ = "flnem-" + std::to_string(::getpid()) + "-";
  static int lab_counter = 0;
  prefix_ += std::to_string(lab_counter++) + "-";
  dir_ = (std::filesystem::temp_directory_path() / prefix_).string();
  std::filesystem::create_directories(dir_);
  sw_ = prefix_ + "sw";
  try {
    must(run_local({"ip", "netns", "add", sw_}, 5000), "netns add");
    must(run_local({"ip", "-n", sw_, "link", "set", "lo", "up"}, 5000), "lo up");
    must(run_local({"ip", "-n", sw_, "link", "add", "br0", "type", "bridge"}, 5000), "bridge");
    must(run_local({"ip", "-n", sw_, "link", "set", "br0", "up"}, 5000), "bridge up");
    for (int i = 1; i <= nodes; ++i) {
      const std::string name = "n" + std::to_string(i);
      const std::string ns = prefix_ + name;
      const std::string ip = "10.77.0." + std::to_string(10 + i);
      must(run_local({"ip", "netns", "add", ns}, 5000), "netns add");
      ns_[name] = ns;  // registered at once so the destructor removes it on failure
      order_.push_back(name);
      must(run_local({"ip", "-n", ns, "link", "set", "lo", "up"}, 5000), "lo up");
      must(run_local({"ip", "-n", sw_, "link", "add", name, "type", "veth", "peer", "name", "eth0",
                      "netns", ns}, 5000), "veth");
      must(run_local({"ip", "-n", sw_, "link", "set", name, "master", "br0", "up"}, 5000), "port");
      must(run_local({"ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0"}, 5000), "addr");
      must(run_local({"ip", "-n", ns, "link", "set", "eth0", "up"}, 5000), "eth0 up");
      addr_[name] = ip;
      remotes_[name] = std::make_unique<NetnsRemote>(name, ns);
    }
    // Wait (bounded) until every node reaches every other one.
    const auto start = Clock::now();
    while (true) {
      auto m = tcp_matrix(300);
      bool all = std::all_of(m.begin(), m.end(), [](const auto& kv) { return kv.second; });
      if (all) break;
      if (ms_since(start) > 5000) throw std::runtime_error("lab network did not come up");
    }
  } catch (...) {
    cleanup();
    throw;
  }
}

NetnsLab::~NetnsLab() { cleanup(); }

void NetnsLab::cleanup() noexcept {
  for (int64_t pid : pids_)
    if (pid > 1 && pid_alive(pid)) ::kill(static_cast<pid_t>(pid), SIGKILL);
  pids_.clear();
  for (const auto& [name, ns] : ns_) {
    try {
      run_local({"ip", "netns", "del", ns}, 5000);
    } catch (...) {
    }
  }
  ns_.clear();
  if (!sw_.empty()) {
    try {
      run_local({"ip", "netns", "del", sw_}, 5000);
    } catch (...) {
    }
    sw_.clear();
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
  if (made_run_netns_ && std::filesystem::exists("/run/netns") &&
      std::filesystem::is_empty("/run/netns")) {
    try {
      run_local({"umount", "/run/netns"}, 5000);
    } catch (...) {
    }
    std::error_code ec;
    std::filesystem::remove("/run/netns", ec);
  }
}

std::vector<NodeHandle> NetnsLab::handles() {
  std::vector<NodeHandle> out;
  for (const auto& n : order_) out.push_back({n, addr_.at(n), remotes_.at(n).get()});
  return out;
}

std::vector<std::string> NetnsLab::names() const { return order_; }

control::ExecResult NetnsLab::sh(const std::string& node, const std::string& cmd, int64_t timeout_ms) {
  control::ExecOptions o;
  o.timeout_ms = timeout_ms;
  return remotes_.at(node)->exec(cmd, o);
}

std::map<std::pair<std::string, std::string>, bool> NetnsLab::tcp_matrix(int64_t timeout_ms) {
  std::vector<Fd> listeners;
  for (const auto& b : order_) {
    Fd l(socket_in(ns_.at(b), AF_INET, SOCK_STREAM));
    int one = 1;
    ::setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    auto a = addr_of(addr_.at(b), 7000);
    if (::bind(l.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(l.fd, 128) != 0)
      throw std::runtime_error("listen in " + b + ": " + std::strerror(errno));
    listeners.push_back(std::move(l));
  }
  struct Probe {
    std::string a, b;
    Fd fd;
    bool done = false, ok = false;
  };
  std::vector<Probe> probes;
  for (const auto& a : order_)
    for (const auto& b : order_) {
      if (a == b) continue;
      Fd s(socket_in(ns_.at(a), AF_INET, SOCK_STREAM | SOCK_NONBLOCK));
      auto dst = addr_of(addr_.at(b), 7000);
      int r = ::connect(s.fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
      Probe p{a, b, std::move(s)};
      if (r == 0) p.done = p.ok = true;
      else if (errno != EINPROGRESS) p.done = true;
      probes.push_back(std::move(p));
    }
  const auto start = Clock::now();
  while (true) {
    std::vector<pollfd> pf;
    std::vector<Probe*> which;
    for (auto& p : probes)
      if (!p.done) {
        pf.push_back({p.fd.fd, POLLOUT, 0});
        which.push_back(&p);
      }
    int64_t left = timeout_ms - ms_since(start);
    if (pf.empty() || left <= 0) break;
    ::poll(pf.data(), pf.size(), static_cast<int>(left));
    for (size_t i = 0; i < pf.size(); ++i) {
      if (!pf[i].revents) continue;
      int e = 0;
      socklen_t len = sizeof e;
      ::getsockopt(which[i]->fd.fd, SOL_SOCKET, SO_ERROR, &e, &len);
      which[i]->done = true;
      which[i]->ok = e == 0;
    }
  }
  std::map<std::pair<std::string, std::string>, bool> m;
  for (auto& p : probes) m[{p.a, p.b}] = p.done && p.ok;
  return m;
}

std::map<std::pair<std::string, std::string>, bool> NetnsLab::udp_matrix(int64_t wait_ms) {
  std::map<std::string, Fd> rx;
  for (const auto& b : order_) {
    Fd s(socket_in(ns_.at(b), AF_INET, SOCK_DGRAM | SOCK_NONBLOCK));
    auto a = addr_of(addr_.at(b), 7001);
    if (::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("udp bind in " + b + ": " + std::strerror(errno));
    rx.emplace(b, std::move(s));
  }
  for (const auto& a : order_) {
    Fd s(socket_in(ns_.at(a), AF_INET, SOCK_DGRAM));
    auto src = addr_of(addr_.at(a), 0);
    ::bind(s.fd, reinterpret_cast<sockaddr*>(&src), sizeof src);
    for (const auto& b : order_) {
      if (a == b) continue;
      auto dst = addr_of(addr_.at(b), 7001);
      ::sendto(s.fd, a.data(), a.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
    }
  }
  std::map<std::pair<std::string, std::string>, bool> m;
  for (const auto& a : order_)
    for (const auto& b : order_)
      if (a != b) m[{a, b}] = false;
  const size_t expected_max = order_.size() * (order_.size() - 1);
  size_t got = 0;
  const auto start = Clock::now();
  while (ms_since(start) < wait_ms && got < expected_max) {
    for (auto& [b, s] : rx) {
      char buf[64];
      ssize_t n;
      while ((n = ::recv(s.fd, buf, sizeof buf, 0)) > 0) {
        auto& slot = m[{std::string(buf, static_cast<size_t>(n)), b}];
        if (!slot) ++got;
        slot = true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return m;
}

int NetnsLab::udp_burst(const std::string& a, const std::string& b, int count) {
  Fd r(socket_in(ns_.at(b), AF_INET, SOCK_DGRAM | SOCK_NONBLOCK));
  int big = 4 << 20;
  ::setsockopt(r.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  auto ra = addr_of(addr_.at(b), 7002);
  if (::bind(r.fd, reinterpret_cast<sockaddr*>(&ra), sizeof ra) != 0)
    throw std::runtime_error("udp bind: " + std::string(std::strerror(errno)));
  Fd s(socket_in(ns_.at(a), AF_INET, SOCK_DGRAM));
  int received = 0;
  char buf[64];
  for (int i = 0; i < count; ++i) {
    ::sendto(s.fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&ra), sizeof ra);
    if (i % 50 == 49) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    while (::recv(r.fd, buf, sizeof buf, 0) > 0) ++received;
  }
  const auto start = Clock::now();
  while (ms_since(start) < 300) {
    while (::recv(r.fd, buf, sizeof buf, 0) > 0) ++received;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return received;
}

double NetnsLab::tcp_connect_ms(const std::string& a, const std::string& b, int samples) {
  Fd l(socket_in(ns_.at(b), AF_INET, SOCK_STREAM));
  int one = 1;
  ::setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto la = addr_of(addr_.at(b), 7003);
  if (::bind(l.fd, reinterpret_cast<sockaddr*>(&la), sizeof la) != 0 || ::listen(l.fd, 64) != 0)
    throw std::runtime_error("listen: " + std::string(std::strerror(errno)));
  std::vector<double> times;
  for (int i = 0; i < samples; ++i) {
    Fd s(socket_in(ns_.at(a), AF_INET, SOCK_STREAM | SOCK_NONBLOCK));
    const auto t0 = Clock::now();
    ::connect(s.fd, reinterpret_cast<sockaddr*>(&la), sizeof la);
    pollfd p{s.fd, POLLOUT, 0};
    if (::poll(&p, 1, 3000) != 1) return -1;
    int e = 0;
    socklen_t len = sizeof e;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &e, &len);
    if (e != 0) return -1;
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    int c = ::accept(l.fd, nullptr, nullptr);
    if (c >= 0) ::close(c);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace faultline::nemesis::testing
