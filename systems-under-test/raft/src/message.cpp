#include "faultline/raft/message.h"

#include <stdexcept>

namespace faultline::raft {

const char* to_string(MsgType t) {
  switch (t) {
    case MsgType::Vote: return "vote";
    case MsgType::VoteResp: return "vote-resp";
    case MsgType::App: return "app";
    case MsgType::AppResp: return "app-resp";
  }
  return "?";
}

nlohmann::json to_json(const Entry& e) {
  return nlohmann::json{{"t", e.term}, {"i", e.index}, {"c", e.command}};
}

Entry entry_from_json(const nlohmann::json& j) {
  return Entry{j.at("t").get<uint64_t>(), j.at("i").get<uint64_t>(), j.at("c").get<std::string>()};
}

nlohmann::json to_json(const Message& m) {
  nlohmann::json j{{"rpc", to_string(m.type)}, {"from", m.from}, {"to", m.to}, {"term", m.term}};
  switch (m.type) {
    case MsgType::Vote:
      j["log_index"] = m.log_index;
      j["log_term"] = m.log_term;
      break;
    case MsgType::VoteResp:
      j["reject"] = m.reject;
      break;
    case MsgType::App: {
      j["log_index"] = m.log_index;
      j["log_term"] = m.log_term;
      j["commit"] = m.commit;
      j["read_ctx"] = m.read_ctx;
      auto& es = j["entries"] = nlohmann::json::array();
      for (const auto& e : m.entries) es.push_back(to_json(e));
      break;
    }
    case MsgType::AppResp:
      j["reject"] = m.reject;
      j["log_index"] = m.log_index;
      j["hint"] = m.hint;
      j["read_ctx"] = m.read_ctx;
      break;
  }
  return j;
}

Message message_from_json(const nlohmann::json& j) {
  Message m;
  const std::string& kind = j.at("rpc").get_ref<const std::string&>();
  if (kind == "vote") m.type = MsgType::Vote;
  else if (kind == "vote-resp") m.type = MsgType::VoteResp;
  else if (kind == "app") m.type = MsgType::App;
  else if (kind == "app-resp") m.type = MsgType::AppResp;
  else throw std::invalid_argument("unknown raft rpc \"" + kind + "\"");
  m.from = j.at("from").get<std::string>();
  m.to = j.at("to").get<std::string>();
  m.term = j.at("term").get<uint64_t>();
  m.log_index = j.value("log_index", uint64_t{0});
  m.log_term = j.value("log_term", uint64_t{0});
  m.commit = j.value("commit", uint64_t{0});
  m.reject = j.value("reject", false);
  m.hint = j.value("hint", uint64_t{0});
  m.read_ctx = j.value("read_ctx", uint64_t{0});
  if (auto it = j.find("entries"); it != j.end())
    for (const auto& e : *it) m.entries.push_back(entry_from_json(e));
  return m;
}

}  // namespace faultline::raft
