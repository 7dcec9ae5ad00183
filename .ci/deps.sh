#!/usr/bin/env bash
# Installs every build and test dependency of faultline on Debian 12 (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(
  build-essential cmake ninja-build pkg-config git
  catch2 nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  libboost-dev libboost-system-dev libboost-filesystem-dev
  libssh2-1-dev openssh-server openssh-client
  libgraphviz-dev graphviz libbenchmark-dev libsqlite3-dev libsimdjson-dev
  libnetfilter-queue-dev libmnl-dev
  iproute2 iptables nftables faketime libfaketime procps psmisc util-linux
  chromium
)
# node + npm for the report browser tests (puppeteer-core); a node already on the machine
# (e.g. a newer one) is kept.
command -v node >/dev/null 2>&1 || PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || PKGS+=(npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# puppeteer-core for the report browser tests (tests/reports/browser, pinned by its
# package-lock.json; it drives Debian's chromium, it downloads no browser).
BROWSER_TESTS="$(cd "$(dirname "$0")/.." && pwd)/tests/reports/browser"
if [ ! -d "$BROWSER_TESTS/node_modules/puppeteer-core" ]; then
  (cd "$BROWSER_TESTS" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
