#!/usr/bin/env bash
# The demo: installs dependencies, builds faultline and the Raft daemon, then runs the real thing:
# Raft on a 3-node local cluster (network namespaces + sshd, needs root) with a register
# workload under partitions and kills for about 20 s, checked for linearizability and stored.
# Two fault slots (one every 4 s, held 4 s): the kinds take turns, so the run gets one partition
# (random halves) and one kill (aimed at one, a minority, a majority, all nodes or the leader,
# drawn per seed). Without root it falls back to 3 local processes on loopback ports under kill
# and pause (partitions need namespaces) and says so. Ends by printing the faults applied, the
# verdict and where the run is stored.
# Exit status: faultline test's (0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 crashed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target faultline faultline-raftd faultline-delayd
if [ "$(id -u)" = 0 ]; then
  nodes=(--nodes 3)
  nemesis=partition,kill
  echo "demo: raft + register on a 3-node local cluster under partition,kill for 20 s"
else
  nodes=(--local-processes --nodes 3)
  nemesis=kill,pause
  echo "demo: not root, so no local cluster (network namespaces need root): falling back to"
  echo "      --local-processes (3 raft daemons on loopback ports) under kill,pause for 20 s"
fi
set +e
build/cli/faultline test --system raft --workload register --nemesis "$nemesis" \
  "${nodes[@]}" --time-limit 20 --nemesis-interval 4 --concurrency 5 --rate 100 --store store
code=$?
set -e
run=$(readlink -f store/latest 2>/dev/null || true)
case $code in
  0) verdict="valid" ;; 1) verdict="INVALID" ;; 2) verdict="unknown" ;;
  254) verdict="bad arguments" ;; *) verdict="crashed" ;;
esac
if [ -n "$run" ] && [ -f "$run/history.jsonl" ]; then
  # One line per fault applied: a partition's shape, or the node spec a fault was aimed with;
  # then the nodes it hit.
  sed -n -e '/"f":"start-partition"/s/.*"type":"info".*"shape":"\([^"]*\)".*"nodes":\[\([^]]*\)\].*/demo fault: partition, \1 (nodes \2)/p' \
    -e '/"f":"start-partition"/!s/.*"f":"start-\([a-z]*\)".*"type":"info".*"node_spec":"\([^"]*\)","nodes":\[\([^]]*\)\].*/demo fault: \1 aimed at \2 (nodes \3)/p' \
    "$run/history.jsonl" | tr -d '"'
fi
echo "demo verdict: $verdict (exit $code); run stored in ${run:-store/}"
echo "re-check it with: build/cli/faultline check --store store/latest"
exit $code
