#!/usr/bin/env bash
# Fuzzes the history readers and `faultline check` with libFuzzer (clang, ASan+UBSan).
#
#   bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 600 s; targets: jsonl edn
#                                                       jepsen_log check)
#
# Configures build-fuzz/ (CC=clang CXX=clang++ -DFAULTLINE_FUZZ=ON, tests and benches off),
# builds the fuzz_<target> executables, then runs each for SECONDS_PER_TARGET at nice 19 on one
# core. Each target's corpus grows in build-fuzz/corpus/<target> (kept between runs) from the
# seeds in fuzz/seeds/<target>, the crash regressions in fuzz/regressions/<target> and the
# public corpus; crashes land in build-fuzz/artifacts/<target>/ and the log in
# build-fuzz/logs/<target>.log. A crash input belongs in fuzz/regressions/<target>/ once fixed
# (ctest fuzz_<target>_regressions replays it). Prints one summary line per target; exit 1 if
# any target crashed. Needs Debian's clang and libclang-rt-14-dev (not installed by CI).
# -timeout counts wall time: at nice 19 on a busy machine one input can take tens of seconds
# (a 0.2 s input took 24 s under load average 20), hence 120 s.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-600}
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(jsonl edn jepsen_log check)
B=build-fuzz
if [ ! -f "$B/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DFAULTLINE_FUZZ=ON -DFAULTLINE_TESTS=OFF -DFAULTLINE_BENCH=OFF >"$B.configure.log" 2>&1 ||
    { cat "$B.configure.log"; exit 1; }
fi
# FUZZ_NO_BUILD=1 skips the build (e.g. several invocations of this script running targets
# side by side on one build).
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
  nice -n 19 cmake --build "$B" -j "${FUZZ_BUILD_JOBS:-2}" --target "${TARGETS[@]/#/fuzz_}" \
    >/dev/null
fi

declare -A EXTRA=(
  [edn]="tests/corpus/knossos tests/corpus/elle tests/corpus/porcupine/kv"
  [jepsen_log]="tests/corpus/porcupine/etcd"
  [jsonl]=""
  [check]=""
)
status=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$B/corpus/$t" "$B/artifacts/$t" "$B/logs"
  dirs=("$B/corpus/$t" "fuzz/seeds/$t")
  [ -d "fuzz/regressions/$t" ] && dirs+=("fuzz/regressions/$t")
  for d in ${EXTRA[$t]}; do dirs+=("$d"); done
  log="$B/logs/$t.log"
  set +e
  nice -n 19 "$B/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -timeout=120 \
    -rss_limit_mb=2048 -report_slow_units=120 -print_final_stats=1 -artifact_prefix="$B/artifacts/$t/" \
    "${dirs[@]}" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  crashes=$(find "$B/artifacts/$t" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) | wc -l)
  echo "fuzz_$t: ${SECONDS_PER_TARGET}s rc=$rc execs=$execs cov=$cov corpus=$(ls "$B/corpus/$t" | wc -l) crashes=$crashes log=$log"
  ((rc == 0)) || status=1
done
exit $status
