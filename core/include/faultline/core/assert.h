// FL_ASSERT: always-on invariant check (also in Release builds), used by the checker and the
// SUT cores. A failed assertion prints the expression and location and aborts: an invariant
// breach is a bug, never an expected condition to recover from.
#pragma once

namespace faultline::detail {
[[noreturn]] void assert_failed(const char* expr, const char* file, int line, const char* msg);
}

#define FL_ASSERT(expr) \
  ((expr) ? (void)0 : ::faultline::detail::assert_failed(#expr, __FILE__, __LINE__, nullptr))
#define FL_ASSERT_MSG(expr, msg) \
  ((expr) ? (void)0 : ::faultline::detail::assert_failed(#expr, __FILE__, __LINE__, (msg)))
