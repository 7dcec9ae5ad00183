// SUT_ASSERT: always-on invariant check for the reference daemons and their pure cores (also in
// Release). SUT code must not link faultline_core, so this mirrors FL_ASSERT: print expression,
// location and message on stderr, then abort. A breach is a bug, never a condition to handle.
#pragma once

namespace faultline::sut::detail {
[[noreturn]] void assert_failed(const char* expr, const char* file, int line, const char* msg);
}

#define SUT_ASSERT(expr) \
  ((expr) ? (void)0 : ::faultline::sut::detail::assert_failed(#expr, __FILE__, __LINE__, nullptr))
#define SUT_ASSERT_MSG(expr, msg) \
  ((expr) ? (void)0 : ::faultline::sut::detail::assert_failed(#expr, __FILE__, __LINE__, (msg)))
