// SutError: the one exception type of the shared SUT layer. The message carries its context
// (file path, address, flag name) so a daemon can print it and exit non-zero.
#pragma once
#include <stdexcept>
#include <string>

namespace faultline::sut {
class SutError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
}  // namespace faultline::sut
