// DurableLog: an append-only file of checksummed records, the storage of every reference daemon.
//
// On-disk record: [u32 payload length, little endian][u32 CRC-32 of payload][payload bytes].
// open() replays the file and truncates (and fsyncs) a torn or corrupt tail: everything after
// the first record whose header is incomplete, whose length is absurd or whose CRC does not
// match is discarded. That is the contract that makes kill -9 an honest fault: a record is
// durable once sync() has returned, and nothing returned by recovery was never appended.
//
// append() only buffers; sync() writes the buffer and fdatasyncs, so callers group-commit many
// records with one sync(). Callers must sync() before acknowledging anything that depends on
// the appended records. rewrite() atomically replaces the whole file (compaction).
// The two halves of sync() are also available separately, for drivers that fsync on another
// thread while they keep working: write_out() hands the buffer to the kernel (no durability),
// datasync() makes everything written out so far durable. datasync() may run on other threads
// concurrently with append()/write_out()/datasync() on the owner thread; every other call
// (rewrite, move, destruction) needs all datasync() calls to have returned.
// Otherwise not thread-safe: one owner.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::sut {

class DurableLog {
 public:
  struct Recovery {
    std::vector<std::string> records;  // payloads of intact records, in append order
    uint64_t truncated_bytes = 0;      // bytes of torn/corrupt tail removed
  };

  // Opens (creating parent-less file if absent) and recovers. Throws SutError with the path.
  static DurableLog open(const std::string& path, Recovery* recovery);

  DurableLog(DurableLog&& other) noexcept;
  DurableLog& operator=(DurableLog&& other) noexcept;
  DurableLog(const DurableLog&) = delete;
  DurableLog& operator=(const DurableLog&) = delete;
  ~DurableLog();

  void append(std::string_view payload);
  // Writes buffered records and fdatasyncs. Throws SutError on I/O failure (daemons then exit:
  // continuing after a failed fsync would ack non-durable state).
  void sync();
  // sync() in two steps; both throw SutError on I/O failure.
  void write_out();
  void datasync() const;
  bool dirty() const { return !buffer_.empty(); }
  // Replaces the file content with exactly these records, durably (tmp file + fsync + rename +
  // directory fsync).
  void rewrite(const std::vector<std::string>& records);
  uint64_t size_bytes() const { return size_bytes_; }
  const std::string& path() const { return path_; }

  static constexpr uint32_t kMaxRecordBytes = 64u << 20;

 private:
  DurableLog(std::string path, int fd, uint64_t size_bytes);
  std::string path_;
  int fd_ = -1;
  uint64_t size_bytes_ = 0;
  std::string buffer_;
};

// Encodes one record (header + payload); exposed for tests that craft torn files.
std::string encode_record(std::string_view payload);

}  // namespace faultline::sut
