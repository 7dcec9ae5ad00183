// Process cluster of faultline-paxosd for tests; see paxos_cluster.h.
#include "paxos_cluster.h"

#include <sys/wait.h>

#include <deque>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "faultline/sut/line_client.h"

#ifndef FAULTLINE_BINARY_DIR
#error "FAULTLINE_BINARY_DIR must be defined by the build"
#endif

namespace faultline::paxos::testing {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

PaxosCluster::PaxosCluster(std::size_t nodes, std::vector<std::string> extra_flags)
    : procs_(std::string(FAULTLINE_BINARY_DIR) + "/systems-under-test/paxos/faultline-paxosd",
             static_cast<int>(nodes), std::move(extra_flags), "paxos") {
  for (std::size_t i = 0; i < nodes; ++i) names_.push_back(procs_.id(static_cast<int>(i)));
}

PaxosCluster::~PaxosCluster() = default;

void PaxosCluster::start(std::size_t i) {
  if (running(i)) throw std::logic_error("node already running");
  procs_.start(static_cast<int>(i));
  if (!procs_.wait_listening(static_cast<int>(i), std::chrono::seconds(10)))
    throw std::runtime_error("node " + names_[i] + " did not listen within 10 s:\n" + log_tail(i));
}

void PaxosCluster::kill9(std::size_t i) {
  procs_.kill9(static_cast<int>(i));
  if (leader_ == i) leader_.reset();
}

int PaxosCluster::terminate(std::size_t i, std::chrono::milliseconds wait) {
  if (!running(i)) return -1;
  auto status = procs_.terminate(static_cast<int>(i), wait);
  if (leader_ == i) leader_.reset();
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

Outcome PaxosCluster::request(json req, std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  Outcome last;
  std::size_t next = leader_.value_or(0);
  while (Clock::now() < deadline) {
    // Prefer the known leader, else walk the running nodes.
    std::size_t target = next % names_.size();
    next = target + 1;
    if (!running(target)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    req["id"] = next_id_++;
    sut::LineClient c;
    try {
      c.connect(procs_.endpoint(static_cast<int>(target)), std::chrono::milliseconds(300));
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
  if (!running(i)) return std::nullopt;
  try {
    sut::LineClient c;
    c.connect(procs_.endpoint(static_cast<int>(i)), timeout);
    json reply = c.request(json{{"id", next_id_++}, {"op", "status"}}, timeout);
    if (!reply.value("ok", false)) return std::nullopt;
    return reply["value"];
  } catch (const sut::ClientIoError&) {
    return std::nullopt;
  }
}

std::string PaxosCluster::log_tail(std::size_t i, std::size_t lines) const {
  std::istringstream in(procs_.log_text(static_cast<int>(i)));
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
