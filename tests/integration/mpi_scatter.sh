#!/usr/bin/env bash
# The scatter demo: (x+1)**x for every rank, exact past 64 bits.
source "$(dirname "$0")/../lib.sh"
t_init
mpi_init

out=$(t_timeout 120 "$MPIEXEC" -n 20 "$BIN/examples/scatter") || fail "scatter failed"
[ "$(grep -c '^rank [0-9]* has data: [0-9]*$' <<<"$out")" = 20 ] ||
	fail "want 20 lines: $out"
for want in "rank 0 has data: 1" "rank 1 has data: 2" "rank 4 has data: 625" \
	    "rank 16 has data: 48661191875666868481" \
	    "rank 19 has data: 5242880000000000000000000"; do
	grep -qx "$want" <<<"$out" || fail "missing '$want' in: $out"
done
out=$(t_timeout 60 "$MPIEXEC" -n 1 "$BIN/examples/scatter") || fail "-n 1 failed"
[ "$out" = "rank 0 has data: 1" ] || fail "-n 1: $out"
echo ok
