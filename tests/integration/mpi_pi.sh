#!/usr/bin/env bash
# pirack-pi: correct, and the same bits for -n 1,2,3,4,8, every pace mode
# and every kernel (real mpiexec of the build's MPI, no agent); a build on
# another MPI gives the plain build's bits.
source "$(dirname "$0")/../lib.sh"
t_init
mpi_init
[ -x "$BIN/pirack-pi" ] || fail "$BIN/pirack-pi not built"
# No real agent or host sensors: pace 1 after one warning.
export PIRACK_SOCKET=$T/none.sock PIRACK_SYSFS_ROOT=$T/nosys

pi_field() { grep -o "\"$1\":[^,}]*" <<<"$2" | head -n 1 | cut -d: -f2; }

run_pi() {	# NRANKS ARGS... -> $OUT (one JSON line)
	local n=$1; shift
	OUT=$(t_timeout 120 "$MPIEXEC" -n "$n" "$BIN/pirack-pi" --json "$@" \
		2>>"$T/stderr.log") || fail "pirack-pi -n $n $* failed"
	[ "$(jq -r .ranks <<<"$OUT")" = "$n" ] || fail "ranks != $n: $OUT"
	[ "$(jq '[.nodes[].intervals] | add' <<<"$OUT")" = \
	  "$(jq .intervals <<<"$OUT")" ] || fail "node shares do not add up: $OUT"
}

# 3e7 intervals in chunks of ~1 ms: many chunks to share even at 8 ranks.
run_pi 1 --intervals 3e7 --pace off --chunk-ms 1
ref=$(pi_field pi "$OUT")
jq -e '.error <= 2e-15 and .intervals == 30000000' <<<"$OUT" >/dev/null ||
	fail "inaccurate: $OUT"
# The matrix skips the leak check: the slow unwinder costs ~1 s a run in
# MPI_Init, and every other run here and in mpi_pace.sh checks the same code.
for mode in off node uniform; do
	for n in 1 2 3 4 8; do
		ASAN_OPTIONS=detect_leaks=0 run_pi "$n" --intervals 30000000 --pace "$mode" --chunk-ms 1
		got=$(pi_field pi "$OUT")
		[ "$got" = "$ref" ] ||
			fail "-n $n --pace $mode: pi $got, want $ref bit for bit"
	done
done
echo "pi $ref, identical for -n 1,2,3,4,8 x off,node,uniform"

# A build on another MPI (the openmpi variant) prints the plain build's
# bits; that one runs as an MPI singleton, without a launcher.
plain=${PIRACK_PLAIN_BUILD:-}
case "$plain" in ''|/*) ;; *) plain=$TOP/$plain ;; esac
if [ -n "$plain" ] && [ "$plain" != "$BIN" ] && [ -x "$plain/pirack-pi" ]; then
	other=$("$plain/pirack-pi" --json --intervals 3e7 --pace off \
		2>>"$T/stderr.log") || fail "$plain/pirack-pi failed"
	[ "$(pi_field pi "$other")" = "$ref" ] ||
		fail "$MPI_NAME build: pi $ref, plain build: $(pi_field pi "$other")"
	echo "same bits as $plain/pirack-pi"
fi

# Another chunk size changes who computes what, not the bits.
run_pi 3 --intervals 3e7 --chunk-ms 0.2
[ "$(pi_field pi "$OUT")" = "$ref" ] || fail "--chunk-ms 0.2 changed pi"
# Every vector ISA this CPU runs gives the same bits as the portable code.
for k in generic neon avx2 avx512; do
	"$BIN/pirack-pi" --kernel "$k" --help >/dev/null 2>&1 || continue
	run_pi 2 --intervals 3e7 --kernel "$k"
	[ "$(jq -r .kernel <<<"$OUT")" = "$k" ] || fail "kernel $k not used"
	[ "$(pi_field pi "$OUT")" = "$ref" ] || fail "kernel $k changed pi"
done

# The issue's bound: error <= 2e-15 from 1e8 intervals.
run_pi 2 --intervals 1e8
jq -e '.error <= 2e-15 and .intervals_per_s > 0 and .seconds > 0' \
	<<<"$OUT" >/dev/null || fail "1e8: $OUT"

# The text report names the result, the ranks and each node's share.
txt=$(t_timeout 60 "$MPIEXEC" -n 2 "$BIN/pirack-pi" -i 1e7 2>>"$T/stderr.log")
grep -q '^pi is approximately 3.14159265358979' <<<"$txt" || fail "text: $txt"
grep -q 'on 2 ranks, 1 node:' <<<"$txt" || fail "text: $txt"
# One warning per node about the missing agent and sensors, not per rank.
[ "$(grep -c 'pirack-pi: node .*running at pace 1' "$T/stderr.log")" -ge 1 ] ||
	fail "no warning about running unpaced"
echo ok
