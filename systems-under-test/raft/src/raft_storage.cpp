#include "faultline/raft/raft_storage.h"

#include <filesystem>

#include "faultline/sut/error.h"

namespace faultline::raft {
namespace {

void apply_record(PersistentState& st, const nlohmann::json& rec) {
  if (auto hs = rec.find("hs"); hs != rec.end()) {
    st.hard.term = hs->at("term").get<uint64_t>();
    st.hard.vote = hs->at("vote").get<std::string>();
  } else {
    Entry e = entry_from_json(rec.at("e"));
    if (e.index == 0 || e.index > st.log.size() + 1)
      throw sut::SutError("raft log record for index " + std::to_string(e.index) +
                          " does not follow the log of length " + std::to_string(st.log.size()));
    st.log.resize(e.index - 1);
    st.log.push_back(std::move(e));
  }
}

std::string hs_record(const HardState& h) {
  return nlohmann::json{{"hs", {{"term", h.term}, {"vote", h.vote}}}}.dump();
}
std::string entry_record(const Entry& e) { return nlohmann::json{{"e", to_json(e)}}.dump(); }

}  // namespace

RaftStorage::RaftStorage(sut::DurableLog log, PersistentState mirror, std::size_t records)
    : log_(std::move(log)), mirror_(std::move(mirror)), records_(records) {}

RaftStorage RaftStorage::open(const std::string& data_dir, PersistentState* state,
                              uint64_t* truncated_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) throw sut::SutError("cannot create data dir " + data_dir + ": " + ec.message());
  std::string path = data_dir + "/raft.log";
  sut::DurableLog::Recovery rec;
  auto log = sut::DurableLog::open(path, &rec);
  PersistentState st;
  for (const auto& payload : rec.records) {
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (j.is_discarded()) throw sut::SutError("unparsable record in " + path);
    apply_record(st, j);
  }
  if (truncated_bytes) *truncated_bytes = rec.truncated_bytes;
  *state = st;
  return RaftStorage(std::move(log), std::move(st), rec.records.size());
}

void RaftStorage::save(const std::optional<HardState>& hard, const std::vector<Entry>& entries) {
  if (hard) {
    log_.append(hs_record(*hard));
    mirror_.hard = *hard;
    records_++;
  }
  for (const Entry& e : entries) {
    log_.append(entry_record(e));
    mirror_.log.resize(e.index - 1);
    mirror_.log.push_back(e);
    records_++;
  }
}

void RaftStorage::sync() {
  log_.sync();
  compact_if_due();
}

bool RaftStorage::compact_if_due() {
  // Hard-state records and truncated entries are garbage; rewrite when they dominate.
  if (records_ > 2 * mirror_.log.size() + 10000) {
    std::vector<std::string> live;
    live.reserve(mirror_.log.size() + 1);
    live.push_back(hs_record(mirror_.hard));
    for (const Entry& e : mirror_.log) live.push_back(entry_record(e));
    log_.rewrite(live);
    records_ = live.size();
    return true;
  }
  return false;
}

}  // namespace faultline::raft
