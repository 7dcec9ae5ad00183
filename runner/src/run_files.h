// The files one run writes while it goes (internal to runner/src): faultline.log (RunLog),
// history.jsonl (Recorder: the history as recorded, crash-safe) and schedule.jsonl (LineFile).
#pragma once
#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <faultline/core/op.h>

namespace faultline::runner::detail {

using Clock = std::chrono::steady_clock;

// faultline.log: timestamped lines, thread-safe.
class RunLog {
 public:
  explicit RunLog(const std::string& path) : f_(std::fopen(path.c_str(), "a")) {}
  ~RunLog() {
    if (f_) std::fclose(f_);
  }
  void line(const std::string& s) {
    std::lock_guard lk(mu_);
    if (!f_) return;
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::fprintf(f_, "%s %s\n", buf, s.c_str());
    std::fflush(f_);
  }

 private:
  std::mutex mu_;
  std::FILE* f_;
};

// The history as it is recorded: index + time assigned under one lock, lines written in that
// order through one buffered stream, flushed to the OS whenever a completion (or a nemesis op)
// is written. A flush carries every earlier line with it, so no recorded completion is ever
// durable without the invocations before it; only invocations after the last flush (whose
// outcome nobody has observed yet) can be lost by a crash, and pending invocations mean `info`
// anyway.
class Recorder {
 public:
  Recorder(const std::string& path, Clock::time_point t0)
      : path_(path), f_(std::fopen(path.c_str(), "w")), t0_(t0) {
    if (!f_) throw std::runtime_error("cannot write " + path);
    std::setvbuf(f_, nullptr, _IOFBF, 1 << 16);
  }
  ~Recorder() { std::fclose(f_); }
  void record(Op op) {
    // Serialise outside the lock; index and time are spliced in under it.
    Json j = op_to_json(op);
    j.erase("index");
    j.erase("time");
    std::string body = j.dump();  // "{...}", never empty (type and f are always there)
    std::lock_guard lk(mu_);
    op.index = static_cast<int64_t>(ops_.size());
    op.time_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0_).count();
    line_ = "{\"index\":" + std::to_string(op.index) + ",\"time\":" + std::to_string(op.time_ns) +
            (body.size() > 2 ? "," : "");
    line_.append(body, 1, std::string::npos);
    line_ += '\n';
    if (std::fwrite(line_.data(), 1, line_.size(), f_) != line_.size() ||
        ((op.type != OpType::Invoke || op.is_nemesis()) && std::fflush(f_) != 0)) {
      if (!write_failed_) std::fprintf(stderr, "faultline: writing %s failed\n", path_.c_str());
      write_failed_ = true;
    }
    ops_.push_back(std::move(op));
  }
  std::vector<Op> take() {
    std::lock_guard lk(mu_);
    std::fflush(f_);
    std::vector<Op> out(std::make_move_iterator(ops_.begin()), std::make_move_iterator(ops_.end()));
    ops_.clear();
    return out;
  }
  bool write_failed() const { return write_failed_; }

 private:
  std::mutex mu_;
  std::string path_;
  std::FILE* f_;
  Clock::time_point t0_;
  std::string line_;
  std::deque<Op> ops_;  // no reallocation (a vector's growth would stall every recorder)
  bool write_failed_ = false;
};

class LineFile {
 public:
  explicit LineFile(const std::string& path) : f_(std::fopen(path.c_str(), "w")) {
    if (!f_) throw std::runtime_error("cannot write " + path);
  }
  ~LineFile() { std::fclose(f_); }
  void line(const Json& j) {
    std::string s = j.dump();
    s += '\n';
    std::lock_guard lk(mu_);
    std::fwrite(s.data(), 1, s.size(), f_);
  }
  void flush() {
    std::lock_guard lk(mu_);
    std::fflush(f_);
  }

 private:
  std::mutex mu_;
  std::FILE* f_;
};

}  // namespace faultline::runner::detail
