#include "input_source.h"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace faultline::detail {

size_t find_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::FILE* open_for_reading(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  }
  return f;
}

namespace {
// Reads up to n bytes; throws on a read error (as opposed to end of file).
size_t read_chunk(std::FILE* file, char* dst, size_t n, const std::string& name) {
  const size_t got = std::fread(dst, 1, n, file);
  if (got < n && std::ferror(file)) {
    throw std::runtime_error("cannot read " + name + ": " + std::strerror(errno));
  }
  return got;
}
}  // namespace

ByteSource::ByteSource(std::string_view text, std::string name, int64_t first_line,
                       int64_t first_col)
    : name_(std::move(name)),
      begin_(text.data()),
      cur_(text.data()),
      end_(text.data() + text.size()),
      line_(first_line),
      first_col_(first_col) {}

ByteSource::ByteSource(std::FILE* file, std::string name) : name_(std::move(name)), file_(file) {}

bool ByteSource::refill() {
  if (file_ == nullptr) return false;
  chunk_base_ += end_ - begin_;
  if (!buffer_) buffer_.reset(new char[kReadChunkBytes]);
  const size_t got = read_chunk(file_, buffer_.get(), kReadChunkBytes, name_);
  begin_ = cur_ = buffer_.get();
  end_ = begin_ + got;
  return got > 0;
}

bool LineSource::fill() {
  if (file_ == nullptr || file_eof_) return false;
  // Keep the unconsumed tail (a partial line) at the front; grow when a line outgrows the
  // buffer; then append a chunk.
  const size_t tail = end_ - start_;
  if (tail + kReadChunkBytes > capacity_) {
    const size_t new_capacity = std::max(2 * capacity_, tail + kReadChunkBytes);
    std::unique_ptr<char[]> bigger(new char[new_capacity]);
    if (tail > 0) std::memcpy(bigger.get(), buffer_.get() + start_, tail);
    buffer_ = std::move(bigger);
    capacity_ = new_capacity;
  } else if (tail > 0 && start_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + start_, tail);
  }
  start_ = 0;
  end_ = tail;
  const size_t got = read_chunk(file_, buffer_.get() + end_, kReadChunkBytes, name_);
  end_ += got;
  if (got == 0) file_eof_ = true;
  return got > 0;
}

bool LineSource::next(std::string_view& line) {
  std::string_view avail;
  size_t search_from = 0;
  auto unconsumed = [&] {
    return file_ ? std::string_view(buffer_.get() + start_, end_ - start_) : text_.substr(start_);
  };
  for (;;) {
    avail = unconsumed();
    const size_t nl = avail.find('\n', search_from);
    if (nl != std::string_view::npos) {
      line = avail.substr(0, nl);
      start_ += nl + 1;
      break;
    }
    search_from = avail.size();
    if (!fill()) {
      avail = unconsumed();  // fill() may have moved the buffer even when it read nothing
      if (avail.empty()) return false;
      line = avail;  // last line without '\n'
      start_ += avail.size();
      break;
    }
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ++line_number_;
  return true;
}

}  // namespace faultline::detail
