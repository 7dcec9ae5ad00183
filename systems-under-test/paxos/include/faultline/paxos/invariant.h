// PAXOS_ASSERT: always-on invariant check of the Multi-Paxos core (also in Release builds).
// The daemon must not link faultline_core, so the core carries its own tiny assert: it prints
// the expression, location and message on stderr and aborts. A breach is a bug in the core (or
// a deliberately enabled bug knob), never a condition to recover from.
#pragma once
#include <cstdio>
#include <cstdlib>

namespace faultline::paxos::detail {
[[noreturn]] inline void invariant_failed(const char* expr, const char* file, int line,
                                          const char* msg) {
  std::fprintf(stderr, "paxos invariant failed: %s at %s:%d%s%s\n", expr, file, line,
               msg ? ": " : "", msg ? msg : "");
  std::fflush(stderr);
  std::abort();
}
}  // namespace faultline::paxos::detail

#define PAXOS_ASSERT(expr)                                                                \
  ((expr) ? (void)0                                                                       \
          : ::faultline::paxos::detail::invariant_failed(#expr, __FILE__, __LINE__, nullptr))
#define PAXOS_ASSERT_MSG(expr, msg) \
  ((expr) ? (void)0 : ::faultline::paxos::detail::invariant_failed(#expr, __FILE__, __LINE__, (msg)))
