// Typed errors with context. ParseError carries file:line:col; its what() reads
// "file:line:col: message" so a user can jump straight to the spot.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace faultline {

// Location in an input text; line and col are 1-based, col counts bytes.
struct SourcePos {
  std::string file;
  int64_t line = 0;
  int64_t col = 0;
  std::string str() const;  // "file:line:col"
};

class ParseError : public std::runtime_error {
 public:
  ParseError(SourcePos pos, const std::string& message);
  const SourcePos& pos() const { return pos_; }
  const std::string& message() const { return message_; }

 private:
  SourcePos pos_;
  std::string message_;
};

// A history that parses but breaks Jepsen's rules (e.g. a completion with no invocation).
class HistoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace faultline
