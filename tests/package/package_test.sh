#!/usr/bin/env bash
# Installs the built project into a scratch prefix, then configures, builds and runs an outside
# project that finds it with find_package(faultline). Proves the package config works.
set -euo pipefail
BUILD="$1"; SRC="$2"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
cmake --install "$BUILD" --prefix "$TMP/prefix" >/dev/null
cmake -S "$SRC/tests/package/consumer" -B "$TMP/build" -G Ninja -DCMAKE_PREFIX_PATH="$TMP/prefix" >/dev/null
cmake --build "$TMP/build" >/dev/null
out="$("$TMP/build/consumer")"
echo "$out"
grep -q "paired=1" <<<"$out"
if [ -f "$TMP/prefix/lib/libfaultline_checker.a" ]; then grep -q "verdict=valid" <<<"$out"; fi
