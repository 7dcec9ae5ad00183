// Structured daemon log: one JSON object per line on stderr, always with the node id and the
// protocol's epoch (Raft term, Paxos ballot), so a test's node logs can be merged and grepped:
//   {"ts_ms":1732560000123,"level":"info","node":"n1","term":3,"msg":"became leader",...}
// Thread-safe (one write(2) per line).
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace faultline::sut {

class EventLog {
 public:
  EventLog(std::string node_id, std::string epoch_name) : node_(std::move(node_id)),
      epoch_name_(std::move(epoch_name)) {}
  void set_epoch(nlohmann::json epoch) { epoch_ = std::move(epoch); }
  void set_quiet(bool quiet) { quiet_ = quiet; }
  void info(std::string_view msg, nlohmann::json fields = nlohmann::json::object()) const;
  void warn(std::string_view msg, nlohmann::json fields = nlohmann::json::object()) const;
  void error(std::string_view msg, nlohmann::json fields = nlohmann::json::object()) const;

 private:
  void write(std::string_view level, std::string_view msg, nlohmann::json fields) const;
  std::string node_;
  std::string epoch_name_;
  nlohmann::json epoch_ = 0;
  bool quiet_ = false;
};

}  // namespace faultline::sut
