#!/usr/bin/env bash
# Installs dependencies (Debian 12, apt-get), builds faultline and runs every test through ctest.
# Tests that build network namespaces need root (label `needs-root`); without root ctest lists
# them as Skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
ctest --test-dir build --output-on-failure -j2 "$@"
