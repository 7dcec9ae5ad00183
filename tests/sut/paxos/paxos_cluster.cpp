// Process cluster of faultline-paxosd for tests; see paxos_cluster.h.
#include "paxos_cluster.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "faultline/sut/line_client.h"

#ifndef FAULTLINE_BINARY_DIR
#error "FAULTLINE_BINARY_DIR must be defined by the build"
#endif

namespace faultline::paxos::testing {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

// waitpid with a deadline; true if reaped.
bool reap(pid_t pid, std::chrono::milliseconds wait, int* status) {
  const auto deadline = Clock::now() + wait;
  while (true) {
    pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (r < 0) return true;  // not our child any more
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

PaxosCluster::PaxosCluster(std::size_t nodes, std::vector<std::string> extra_flags)
    : binary_(std::string(FAULTLINE_BINARY_DIR) + "/systems-under-test/paxos/faultline-paxosd"),
      extra_flags_(std::move(extra_flags)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/faultline-paxos-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed under " + tmpl);
  dir_ = tmpl;
  for (std::size_t i = 0; i < nodes; ++i) {
    names_.push_back("n" + std::to_string(i + 1));
    ports_.push_back(free_port());
    pids_.push_back(0);
  }
}

PaxosCluster::~PaxosCluster() {
  for (std::size_t i = 0; i < pids_.size(); ++i) {
    if (pids_[i] > 0) kill9(i);
  }
  std::error_code ec;
  if (!std::getenv("PAXOS_KEEP_DIR")) std::filesystem::remove_all(dir_, ec);
}

void PaxosCluster::start(std::size_t i) {
  if (pids_[i] > 0) throw std::logic_error("node already running");
  std::string peers;
  for (std::size_t j = 0; j < names_.size(); ++j) {
    if (j) peers += ",";
    peers += names_[j] + "=127.0.0.1:" + std::to_string(ports_[j]);
  }
  std::vector<std::string> args{binary_,   "--id",       names_[i],
                                "--listen", "127.0.0.1:" + std::to_string(ports_[i]),
                                "--peers", peers,        "--data-dir",
                                dir_ + "/" + names_[i]};
  for (const auto& f : extra_flags_) args.push_back(f);
  const std::string log = dir_ + "/" + names_[i] + ".log";
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDERR_FILENO);
      ::close(fd);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary_.c_str(), argv.data());
    ::_exit(127);
  }
  pids_[i] = pid;
  // Ready = the port accepts connections (bounded).
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    sut::LineClient c;
    try {
      c.connect(sut::Endpoint{"127.0.0.1", ports_[i]}, std::chrono::milliseconds(200));
      return;
    } catch (const sut::ClientIoError&) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pids_[i] = 0;
        throw std::runtime_error("node " + names_[i] + " exited at start:\n" + log_tail(i));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  throw std::runtime_error("node " + names_[i] + " did not listen within 10 s:\n" + log_tail(i));
}

void PaxosCluster::kill9(std::size_t i) {
  if (pids_[i] <= 0) return;
  ::kill(pids_[i], SIGKILL);
  int status = 0;
  reap(pids_[i], std::chrono::seconds(5), &status);
  pids_[i] = 0;
  if (leader_ == i) leader_.reset();
}

int PaxosCluster::terminate(std::size_t i, std::chrono::milliseconds wait) {
  if (pids_[i] <= 0) return -1;
  ::kill(pids_[i], SIGTERM);
  int status = 0;
  if (!reap(pids_[i], wait, &status)) {
    kill9(i);
    return -1;
  }
  pids_[i] = 0;
  if (leader_ == i) leader_.reset();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Outcome PaxosCluster::request(json req, std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  Outcome last;
  std::size_t next = leader_.value_or(0);
  while (Clock::now() < deadline) {
    // Prefer the known leader, else walk the running nodes.
    std::size_t target = next % names_.size();
    next = target + 1;
    if (pids_[target] <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    req["id"] = next_id_++;
    sut::LineClient c;
    try {
      c.connect(sut::Endpoint{"127.0.0.1", ports_[target]}, std::chrono::milliseconds(300));
    } catch (const sut::ClientIoError&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;  // never sent: safe to retry
    }
    json reply;
    try {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      reply = c.request(req, std::max(left, std::chrono::milliseconds(50)));
    } catch (const sut::ClientIoError& e) {
      last = Outcome{e.sent() ? Outcome::Kind::Indeterminate : Outcome::Kind::Definite, nullptr,
                     names_[target]};
      if (e.sent()) return last;
      continue;
    }
    last.reply = reply;
    last.node = names_[target];
    if (reply.value("ok", false)) {
      leader_ = target;
      last.kind = Outcome::Kind::Ok;
      return last;
    }
    const std::string err = reply.value("error", "");
    if (err == "not-leader" || err == "unavailable") {
      if (reply.contains("leader")) {
        for (std::size_t j = 0; j < names_.size(); ++j) {
          if (names_[j] == reply["leader"]) next = j;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(reply.contains("leader") ? 0 : 30));
      continue;
    }
    last.kind = (err == "timeout" || err == "shutting-down") ? Outcome::Kind::Indeterminate
                                                             : Outcome::Kind::Definite;
    return last;
  }
  return last;
}

std::optional<json> PaxosCluster::status(std::size_t i, std::chrono::milliseconds timeout) {
  if (pids_[i] <= 0) return std::nullopt;
  try {
    sut::LineClient c;
    c.connect(sut::Endpoint{"127.0.0.1", ports_[i]}, timeout);
    json reply = c.request(json{{"id", next_id_++}, {"op", "status"}}, timeout);
    if (!reply.value("ok", false)) return std::nullopt;
    return reply["value"];
  } catch (const sut::ClientIoError&) {
    return std::nullopt;
  }
}

std::string PaxosCluster::log_tail(std::size_t i, std::size_t lines) const {
  std::ifstream in(dir_ + "/" + names_[i] + ".log");
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (auto& l : tail) out += l + "\n";
  return out;
}

}  // namespace faultline::paxos::testing
