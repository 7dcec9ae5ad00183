// DataDir: a daemon's --data-dir, created if absent and locked for the daemon's life with an
// exclusive flock on <dir>/LOCK, so two daemons never interleave records in one durable log.
// The constructor throws SutError naming the dir when it cannot be created, opened or locked;
// the destructor releases the lock (so does process death, kill -9 included).
#pragma once
#include <string>

namespace faultline::sut {

class DataDir {
 public:
  explicit DataDir(std::string path);
  ~DataDir();
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;
  const std::string& path() const { return path_; }
  // <dir>/<name>
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace faultline::sut
