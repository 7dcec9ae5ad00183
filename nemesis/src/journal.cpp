#include "faultline/nemesis/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <system_error>

namespace faultline::nemesis {

Journal::Journal(std::string path) : path_(std::move(path)) {
  if (path_.empty()) throw std::invalid_argument("journal: empty path");
  auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "journal open " + path_);
  ::close(fd);
}

void Journal::append(Json record) {
  record["time_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::string line = record.dump() + "\n";
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "journal open " + path_);
  ssize_t n = ::write(fd, line.data(), line.size());
  int err = errno;
  if (n != static_cast<ssize_t>(line.size())) {
    ::close(fd);
    throw std::system_error(n < 0 ? err : EIO, std::generic_category(), "journal write " + path_);
  }
  if (::fsync(fd) != 0) {
    err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "journal fsync " + path_);
  }
  ::close(fd);
}

std::vector<Json> Journal::read_all() const {
  std::ifstream in(path_);
  if (!in) throw std::runtime_error("journal: cannot read " + path_);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<Json> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    try {
      out.push_back(Json::parse(lines[i]));
    } catch (const Json::parse_error& e) {
      if (i + 1 == lines.size()) break;  // torn tail from a crash mid-write
      throw std::runtime_error(path_ + ":" + std::to_string(i + 1) + ": corrupt journal line: " +
                               e.what());
    }
  }
  return out;
}

namespace {
size_t after_last_healed(const std::vector<Json>& recs) {
  size_t start = 0;
  for (size_t i = 0; i < recs.size(); ++i)
    if (recs[i].value("event", "") == "healed") start = i + 1;
  return start;
}
}  // namespace

std::vector<UndoStep> Journal::outstanding() const {
  auto recs = read_all();
  std::vector<UndoStep> steps;
  std::set<std::tuple<std::string, std::string, int64_t>> undone;
  for (size_t i = after_last_healed(recs); i < recs.size(); ++i) {
    const auto& r = recs[i];
    const std::string ev = r.value("event", "");
    if (ev == "apply") {
      steps.push_back({r.at("fault").get<std::string>(), r.at("kind").get<std::string>(),
                       r.at("node").get<std::string>(), r.at("step").get<int64_t>(),
                       r.value("undo", Json::object())});
    } else if (ev == "undone") {
      undone.insert({r.at("fault").get<std::string>(), r.at("node").get<std::string>(),
                     r.at("step").get<int64_t>()});
    }
  }
  std::vector<UndoStep> out;
  for (auto& s : steps)
    if (!undone.count({s.fault_id, s.node, s.step})) out.push_back(std::move(s));
  return out;
}

std::vector<ActiveFault> Journal::active() const {
  auto recs = read_all();
  std::vector<ActiveFault> started;
  std::set<std::string> stopped;
  std::map<std::string, std::vector<std::string>> applied_on;
  for (size_t i = after_last_healed(recs); i < recs.size(); ++i) {
    const auto& r = recs[i];
    const std::string ev = r.value("event", "");
    if (ev == "start") {
      started.push_back({r.at("fault").get<std::string>(), r.at("kind").get<std::string>(),
                         r.value("spec", Json::object()),
                         r.value("nodes", std::vector<std::string>{})});
    } else if (ev == "stop") {
      stopped.insert(r.at("fault").get<std::string>());
    } else if (ev == "apply") {
      auto& v = applied_on[r.at("fault").get<std::string>()];
      std::string node = r.at("node").get<std::string>();
      if (std::find(v.begin(), v.end(), node) == v.end()) v.push_back(node);
    }
  }
  std::vector<ActiveFault> out;
  for (auto& f : started) {
    if (stopped.count(f.fault_id)) continue;
    if (f.nodes.empty()) f.nodes = applied_on[f.fault_id];
    out.push_back(std::move(f));
  }
  return out;
}

std::string Journal::next_fault_id(const std::string& kind) const {
  int64_t n = 0;
  for (const auto& r : read_all())
    if (r.value("event", "") == "start") ++n;
  return kind + "-" + std::to_string(n + 1);
}

}  // namespace faultline::nemesis
