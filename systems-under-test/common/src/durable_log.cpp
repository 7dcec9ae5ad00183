#include "faultline/sut/durable_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <cerrno>
#include <cstring>
#include <utility>

#include "faultline/sut/error.h"

namespace faultline::sut {
namespace {

uint32_t crc32_of(std::string_view data) {
  boost::crc_32_type crc;
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw SutError(what + " " + path + ": " + std::strerror(errno));
}

void write_all(int fd, const char* data, std::size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", path);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) fail("open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("fsync directory", dir);
}

}  // namespace

std::string encode_record(std::string_view payload) {
  std::string out;
  out.reserve(8 + payload.size());
  put_u32(out, static_cast<uint32_t>(payload.size()));
  put_u32(out, crc32_of(payload));
  out.append(payload);
  return out;
}

DurableLog DurableLog::open(const std::string& path, Recovery* recovery) {
  bool existed = ::access(path.c_str(), F_OK) == 0;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail("open", path);
  if (!existed) fsync_dir(parent_dir(path));  // the new file's name must survive a crash too

  std::string content;
  char chunk[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      errno = saved;
      fail("read", path);
    }
    if (n == 0) break;
    content.append(chunk, static_cast<std::size_t>(n));
  }

  Recovery local;
  Recovery& rec = recovery ? *recovery : local;
  rec.records.clear();
  std::size_t pos = 0;
  while (content.size() - pos >= 8) {
    uint32_t len = get_u32(content.data() + pos);
    uint32_t crc = get_u32(content.data() + pos + 4);
    if (len > kMaxRecordBytes || content.size() - pos - 8 < len) break;
    std::string_view payload(content.data() + pos + 8, len);
    if (crc32_of(payload) != crc) break;
    rec.records.emplace_back(payload);
    pos += 8 + len;
  }
  rec.truncated_bytes = content.size() - pos;
  if (rec.truncated_bytes > 0) {
    // Torn tail from a crash mid-write (or corruption): drop it durably before appending after.
    if (::ftruncate(fd, static_cast<off_t>(pos)) != 0 || ::fsync(fd) != 0) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      fail("truncate torn tail of", path);
    }
  }
  if (::lseek(fd, static_cast<off_t>(pos), SEEK_SET) < 0) fail("seek", path);
  return DurableLog(path, fd, pos);
}

DurableLog::DurableLog(std::string path, int fd, uint64_t size_bytes)
    : path_(std::move(path)), fd_(fd), size_bytes_(size_bytes) {}

DurableLog::DurableLog(DurableLog&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)),
      size_bytes_(other.size_bytes_), buffer_(std::move(other.buffer_)) {}

DurableLog& DurableLog::operator=(DurableLog&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_bytes_ = other.size_bytes_;
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

DurableLog::~DurableLog() {
  if (fd_ >= 0) ::close(fd_);  // unsynced buffer is dropped on purpose: it was never acked
}

void DurableLog::append(std::string_view payload) {
  if (payload.size() > kMaxRecordBytes)
    throw SutError("record of " + std::to_string(payload.size()) + " bytes exceeds the limit in " +
                   path_);
  buffer_ += encode_record(payload);
}

void DurableLog::sync() {
  if (buffer_.empty()) return;
  write_out();
  datasync();
}

void DurableLog::write_out() {
  if (buffer_.empty()) return;
  write_all(fd_, buffer_.data(), buffer_.size(), path_);
  size_bytes_ += buffer_.size();
  buffer_.clear();
}

void DurableLog::datasync() const {
  if (::fdatasync(fd_) != 0) fail("fdatasync", path_);
}

void DurableLog::rewrite(const std::vector<std::string>& records) {
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("open", tmp);
  std::string content;
  for (const auto& r : records) content += encode_record(r);
  write_all(fd, content.data(), content.size(), tmp);
  if (::fsync(fd) != 0) fail("fsync", tmp);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) fail("rename over", path_);
  fsync_dir(parent_dir(path_));
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  size_bytes_ = content.size();
  buffer_.clear();
}

}  // namespace faultline::sut
