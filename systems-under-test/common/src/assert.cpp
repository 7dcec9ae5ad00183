#include "faultline/sut/assert.h"

#include <cstdio>
#include <cstdlib>

namespace faultline::sut::detail {
void assert_failed(const char* expr, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "SUT_ASSERT failed: %s at %s:%d%s%s\n", expr, file, line, msg ? ": " : "",
               msg ? msg : "");
  std::fflush(stderr);
  std::abort();
}
}  // namespace faultline::sut::detail
