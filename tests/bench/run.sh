#!/usr/bin/env bash
# make bench: runs every tests/bench/*.bench.sh with the build dir; each
# prints its own table of ratios against a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${1:-build}
bash deploy/deps.sh --quiet --bench
found=0
for b in tests/bench/*.bench.sh; do
	[ -f "$b" ] || continue
	found=1
	echo "== $b"
	PIRACK_BUILD=$O bash "$b"
done
[ $found = 1 ] || echo "bench: no benchmarks yet"
