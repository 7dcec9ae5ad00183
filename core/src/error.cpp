#include "faultline/core/error.h"

namespace faultline {

std::string SourcePos::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

ParseError::ParseError(SourcePos pos, const std::string& message)
    : std::runtime_error(pos.str() + ": " + message), pos_(std::move(pos)), message_(message) {}

}  // namespace faultline
