#include "local_daemon_cluster.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "faultline/sut/line_client.h"

namespace faultline::sut::test {
namespace {

uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("cannot find a free loopback port");
  ::close(fd);
  return ntohs(a.sin_port);
}

// Waits (bounded) for pid to exit; returns its wait status or nullopt.
std::optional<int> reap(pid_t pid, std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

LocalDaemonCluster::LocalDaemonCluster(std::string binary, int nodes,
                                       std::vector<std::string> extra_args, const std::string& name)
    : binary_(std::move(binary)), extra_args_(std::move(extra_args)) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / ("faultline-sut-" + name + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
  dir_ = tmpl;
  for (int i = 0; i < nodes; ++i) ports_.push_back(free_loopback_port());
  pids_.assign(nodes, -1);
}

LocalDaemonCluster::~LocalDaemonCluster() {
  for (int i = 0; i < size(); ++i)
    if (pids_[i] > 0) kill9(i);
  std::error_code ec;
  if (!std::getenv("FAULTLINE_SUT_KEEP_DIR")) std::filesystem::remove_all(dir_, ec);
}

int LocalDaemonCluster::index_of(const std::string& id) const {
  for (int i = 0; i < size(); ++i)
    if (this->id(i) == id) return i;
  return -1;
}

std::string LocalDaemonCluster::log_text(int i) const {
  std::ifstream in(dir_ + "/" + id(i) + ".log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void LocalDaemonCluster::start(int i) {
  if (pids_[i] > 0) return;
  std::string peers;
  for (int j = 0; j < size(); ++j)
    peers += (j ? "," : "") + id(j) + "=" + endpoint(j).to_string();
  std::vector<std::string> args{binary_, "--id", id(i), "--listen", endpoint(i).to_string(),
                                "--peers", peers, "--data-dir", dir_ + "/" + id(i)};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::string log = dir_ + "/" + id(i) + ".log";
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDERR_FILENO);
      ::dup2(fd, STDOUT_FILENO);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary_.c_str(), argv.data());
    ::_exit(127);
  }
  pids_[i] = pid;
}

bool LocalDaemonCluster::wait_listening(int i, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      LineClient c;
      c.connect(endpoint(i), std::chrono::milliseconds(200));
      return true;
    } catch (const ClientIoError&) {
      int status = 0;
      if (pids_[i] > 0 && ::waitpid(pids_[i], &status, WNOHANG) == pids_[i]) {
        pids_[i] = -1;
        throw std::runtime_error("node " + id(i) + " exited at start:\n" + log_text(i));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return false;
}

void LocalDaemonCluster::start_all() {
  for (int i = 0; i < size(); ++i) start(i);
}

void LocalDaemonCluster::kill9(int i) {
  if (pids_[i] <= 0) return;
  ::kill(pids_[i], SIGKILL);
  reap(pids_[i], std::chrono::seconds(10));
  pids_[i] = -1;
}

std::optional<int> LocalDaemonCluster::terminate(int i, std::chrono::milliseconds wait) {
  if (pids_[i] <= 0) return std::nullopt;
  ::kill(pids_[i], SIGTERM);
  auto status = reap(pids_[i], wait);
  if (!status) {
    kill9(i);
    return std::nullopt;
  }
  pids_[i] = -1;
  return status;
}

std::optional<nlohmann::json> LocalDaemonCluster::ask(int i, const nlohmann::json& req,
                                                      std::chrono::milliseconds timeout) const {
  try {
    LineClient c;
    c.connect(endpoint(i), timeout);
    return c.request(req, timeout);
  } catch (const ClientIoError&) {
    return std::nullopt;
  }
}

std::optional<LocalDaemonCluster::Answer> LocalDaemonCluster::request(
    const nlohmann::json& req, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    int node = guess_;
    auto reply = ask(node, req, std::chrono::milliseconds(2000));
    if (reply && (*reply)["ok"] == true) return Answer{*reply, node};
    if (reply) {
      std::string err = reply->value("error", "");
      if (err != "not-leader" && err != "unavailable") return Answer{*reply, node};
      if (reply->contains("leader")) {
        int hinted = index_of((*reply)["leader"]);
        if (hinted >= 0 && hinted != node) {
          guess_ = hinted;
          continue;
        }
      }
    }
    guess_ = (guess_ + 1) % size();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

}  // namespace faultline::sut::test
