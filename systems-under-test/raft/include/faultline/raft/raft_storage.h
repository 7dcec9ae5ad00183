// RaftStorage: Raft's durable state (term, vote, log) on a sut::DurableLog in the data dir.
//
// Records (JSON payloads): {"hs":{"term":T,"vote":"n1"}} replaces the hard state;
// {"e":{"t":T,"i":I,"c":"..."}} puts entry I, discarding any entries >= I first (this is how
// conflict truncation is persisted without rewriting the file). recover() replays them.
// save() buffers a Ready's persist part; sync() makes everything buffered durable with one
// fdatasync (group commit). When superseded records dominate the file, sync() compacts it with
// an atomic rewrite. Throws sut::SutError on I/O errors.
// Background fsync (faultline-raftd): write_out() on the owner thread after save(), datasync()
// on any thread (see DurableLog for the rules), and compact_if_due() on the owner thread only
// while no datasync() is running; sync() = write_out + datasync + compact_if_due.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "faultline/raft/raft_core.h"
#include "faultline/sut/durable_log.h"

namespace faultline::raft {

class RaftStorage {
 public:
  // Opens <data_dir>/raft.log (creating data_dir) and recovers the persisted state.
  static RaftStorage open(const std::string& data_dir, PersistentState* state,
                          uint64_t* truncated_bytes = nullptr);

  void save(const std::optional<HardState>& hard, const std::vector<Entry>& entries);
  void sync();
  void write_out() { log_.write_out(); }
  void datasync() const { log_.datasync(); }
  bool compact_if_due();  // true if it rewrote the file (which is then durable)

 private:
  explicit RaftStorage(sut::DurableLog log, PersistentState mirror, std::size_t records);
  sut::DurableLog log_;
  PersistentState mirror_;  // what the file says, for compaction
  std::size_t records_ = 0;
};

}  // namespace faultline::raft
