#!/usr/bin/env bash
# Browser tests of the HTML reports and `faultline serve` (ctest reports_browser).
# Usage: run_browser_tests.sh FAULTLINE_BIN TESTS_REPORTS_DIR OUT_DIR
# Makes the pages with the real CLI (check --html, check --store, report, serve), then drives
# Debian's chromium headless through puppeteer-core (report_browser_test.js). Screenshots and
# pages stay in OUT_DIR as artifacts. Exit 77 (skipped) only when chromium or node is absent.
set -euo pipefail
FL=$(realpath "$1") SRC=$(realpath "$2") OUT=$(realpath -m "$3")
CHROME=$(command -v chromium || command -v chromium-browser || true)
NODE=$(command -v node || command -v nodejs || true)
if [ -z "$CHROME" ]; then echo "SKIP: chromium is not installed (.ci/deps.sh installs it)"; exit 77; fi
if [ -z "$NODE" ]; then echo "SKIP: node is not installed (.ci/deps.sh installs it)"; exit 77; fi
if [ ! -d "$SRC/browser/node_modules/puppeteer-core" ]; then
  echo "FAIL: $SRC/browser/node_modules/puppeteer-core is missing: run .ci/deps.sh (npm ci there)"
  exit 1
fi
rm -rf "$OUT"
mkdir -p "$OUT"
expect() {  # expect CODE cmd...: runs cmd, fails unless it exits with CODE
  local want=$1; shift
  set +e; "$@" > "$OUT/last-cmd.out" 2>&1; local got=$?; set -e
  if [ "$got" != "$want" ]; then echo "FAIL: '$*' exited $got, expected $want"; cat "$OUT/last-cmd.out"; exit 1; fi
}
F=$SRC/fixtures
expect 0 "$FL" check --model kv --html "$OUT/valid.html" "$F/kv-valid.jsonl"
expect 1 "$FL" check --model kv --html "$OUT/invalid.html" "$F/kv-stale-read.jsonl"
grep -q "report: $OUT/invalid.html" "$OUT/last-cmd.out" || { echo "FAIL: no report path in the summary"; exit 1; }
expect 1 "$FL" check --model list-append --html "$OUT/cycle.html" "$F/list-append-g1c.jsonl"

# A store with two runs of the register workload, analysed by `check --store` (which writes
# results.json with the composed checkers and report.html) and re-rendered by `report`.
mkrun() {
  local d="$OUT/store/kv-register/$1"
  mkdir -p "$d/nodes/n1"
  cp "$2" "$d/history.jsonl"
  echo '{"name":"kv-register","system":"raft","workload":"register","nemesis":["partition"],"nemesis_interval_s":1,"nodes":{"mode":"local-processes","count":3},"time_limit_s":3,"concurrency":4,"seed":7}' > "$d/test.json"
  echo "raftd started <pid 1>" > "$d/nodes/n1/raftd.log"
}
mkrun 20260101T000000 "$F/kv-valid.jsonl"
mkrun 20260102T000000 "$F/kv-stale-read.jsonl"
expect 0 "$FL" check --store "$OUT/store/kv-register/20260101T000000"
expect 1 "$FL" check --store "$OUT/store/kv-register/20260102T000000"
expect 1 "$FL" report "$OUT/store/kv-register/20260102T000000"
for r in 20260101T000000 20260102T000000; do
  test -s "$OUT/store/kv-register/$r/report.html" || { echo "FAIL: no report.html in $r"; exit 1; }
  grep -q '"checkers"' "$OUT/store/kv-register/$r/results.json" || { echo "FAIL: no checkers in $r/results.json"; exit 1; }
done

"$FL" serve --store "$OUT/store" --port 0 > "$OUT/serve.out" 2>&1 &
SERVE_PID=$!
trap 'kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true' EXIT
PORT=""
for _ in $(seq 1 100); do
  PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$OUT/serve.out" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
if [ -z "$PORT" ]; then echo "FAIL: serve did not start"; cat "$OUT/serve.out"; exit 1; fi

cd "$SRC/browser"
"$NODE" report_browser_test.js --chrome "$CHROME" --out "$OUT" --serve "http://127.0.0.1:$PORT/"
