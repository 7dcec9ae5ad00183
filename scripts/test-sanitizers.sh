#!/usr/bin/env bash
# Builds core, checker, their tests and the fuzz regression replays with AddressSanitizer and
# UndefinedBehaviorSanitizer (GCC) in build-sanitizers/, and runs those tests. CI runs it after
# scripts/test.sh. Any sanitizer report fails the test that triggered it (UBSan does not
# recover; ASan/LSan abort). Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
B=build-sanitizers
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-O1" \
  -DFAULTLINE_ASAN=ON -DFAULTLINE_UBSAN=ON -DFAULTLINE_CHECKER_ONLY=ON -DFAULTLINE_BENCH=OFF
cmake --build "$B" -j2
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# checker_linearizability_oracle_test is left out here: its time goes to the brute-force oracle
# (tens of thousands of random histories), not to the checker, and it runs in scripts/test.sh.
ctest --test-dir "$B" --output-on-failure -j2 -E '^checker_linearizability_oracle_test$' "$@"
