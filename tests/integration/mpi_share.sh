#!/usr/bin/env bash
# Node mode's work sharing (libpirackpace pace_share_*), real mpiexec, no
# agent, fake sysfs trees: a node whose ranks sleep at pace 0.05 (rank 0
# among them) does not stall the cool node, which does nearly all the work
# and barely waits; waiting ranks do not burn CPU; 16 ranks on this
# machine's cores (4 nodes x 4) finish with the same bits; the same with
# the nodes of a host pooled (PIRACK_SHARE_DOMAIN=host).
source "$(dirname "$0")/../lib.sh"
t_init
mpi_init
[ -x "$BIN/pirack-pi" ] || fail "$BIN/pirack-pi not built"
export PIRACK_SOCKET=$T/none.sock
# Without an agent: target 77, limit 80. At 79.9 C the controller answers
# pace 0, floored at 0.05; at 40 C pace 1.
fake_zone "$T/hot" thermal_zone0 79900
fake_zone "$T/cool" thermal_zone0 40000
N=$(t_work 4e9)
pi_of() { jq -r .pi <<<"$1"; }
node_of() { jq -c --arg n "$2" '.nodes[] | select(.node == $n)' <<<"$1"; }

OUT=$(PIRACK_SYSFS_ROOT=$T/cool t_timeout 120 "$MPIEXEC" -n 1 \
	"$BIN/pirack-pi" --json -i $N --pace off 2>>"$T/stderr.log") ||
	fail "reference run failed"
ref=$(pi_of "$OUT")

hot_cool() {	# MODE -> $OUT; "a" hot (ranks 0, 1), "b" cool (ranks 2, 3)
	OUT=$(t_timeout 120 "$MPIEXEC" \
		-n 2 env PIRACK_NODE=a PIRACK_SYSFS_ROOT="$T/hot" \
		"$BIN/pirack-pi" --json -i $N --pace "$1" --chunk-ms 2 : \
		-n 2 env PIRACK_NODE=b PIRACK_SYSFS_ROOT="$T/cool" \
		"$BIN/pirack-pi" --json -i $N --pace "$1" --chunk-ms 2 \
		2>>"$T/stderr.log") || fail "pirack-pi hot+cool --pace $1 failed"
}

hot_cool node
echo "node: $OUT"
[ "$(pi_of "$OUT")" = "$ref" ] || fail "pi changed in node mode"
a=$(node_of "$OUT" a) b=$(node_of "$OUT" b)
jq -e '.mean_pace <= 0.06' <<<"$a" >/dev/null ||
	fail "node a was not held at pace 0.05: $a"
# At 1/20 of the cool node's rate the hot node should get ~5 % of the
# work; a counter served by rank 0 (asleep on node a) would give b's ranks
# long waits, and round-robin would give a half.
jq -e '.share >= 0.75' <<<"$b" >/dev/null ||
	fail "the cool node did not take the work: $b"
# b's ranks computed much of their time: they did not wait for a's
# sleeping ranks (busy = computing, the rest is sleep or waiting; a counter
# served by a's rank 0 would leave them at 0.05-0.2; a busy machine and
# Open MPI's start-up take some from the 0.8-0.9 of a quiet one).
jq -e '.busy_fraction >= 0.4' <<<"$b" >/dev/null ||
	fail "the cool node's ranks waited for the sleeping ones: $b"
# The hot node's ranks slept, they did not spin: CPU well under wall time.
jq -e --argjson s "$(jq .seconds <<<"$OUT")" '.cpu_s < 0.5 * .ranks * $s' \
	<<<"$a" >/dev/null || fail "the sleeping node's ranks burnt CPU: $a"

# 16 ranks, 4 nodes of 4, on however few cores this machine has.
args=()
for i in 0 1 2 3; do
	[ $i -eq 0 ] || args+=(:)
	args+=(-n 4 env PIRACK_NODE="n$i" PIRACK_SYSFS_ROOT="$T/cool"
	       "$BIN/pirack-pi" --json -i $N)
done
OUT=$(t_timeout 300 "$MPIEXEC" "${args[@]}" 2>>"$T/stderr.log") ||
	fail "16 ranks in node mode failed"
echo "16 ranks: $(jq -c '{seconds, ranks, shares: [.nodes[].share]}' <<<"$OUT")"
[ "$(pi_of "$OUT")" = "$ref" ] || fail "16 ranks: pi changed"
jq -e '.ranks == 16 and .node_count == 4 and
       ([.nodes[].intervals] | add) == .intervals' <<<"$OUT" >/dev/null ||
	fail "16 ranks: the shares do not add up: $OUT"

OUT=$(PIRACK_SHARE_DOMAIN=host t_timeout 300 "$MPIEXEC" "${args[@]}" \
	2>>"$T/stderr.log") || fail "16 ranks, pooled host, failed"
[ "$(pi_of "$OUT")" = "$ref" ] || fail "16 ranks, pooled host: pi changed"
echo ok
