#!/usr/bin/env bash
# The pacing controller against the simulator's plant, offline
# (tests/bench/pace_plant.c): no MPI, no wall clock, the same numbers on
# any machine. Ratios are against the unpaced run of the same rack and
# job; with the pace reaching the ranks 1 s and 4 s late; then what the
# target's margin under the limit costs (-s).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${PIRACK_BUILD:-build}
for d in 1 4; do
	"$B/tests/bench/pace_plant" -d "$d"
	echo
done
"$B/tests/bench/pace_plant" -s
