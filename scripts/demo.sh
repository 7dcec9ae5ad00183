#!/usr/bin/env bash
# Installs dependencies, builds faultline, and checks every history of the public corpus
# (../shared/corpus), printing one verdict per file beside the verdict the corpus expects.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2
CORPUS="${FAULTLINE_CORPUS_DIR:-$(cd .. && pwd)/shared/corpus}"
bash scripts/check-corpus.sh build/cli/faultline "$CORPUS"
