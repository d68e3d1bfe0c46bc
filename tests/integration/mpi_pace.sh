#!/usr/bin/env bash
# Pacing without an agent: fake sysfs trees; a hot node sleeps (busy
# fraction near its pace), a cool one does not; uniform mode holds every
# node at the hottest one's pace; node mode gives the cool node more work;
# the bits of pi never change.
source "$(dirname "$0")/../lib.sh"
t_init
mpi_init
[ -x "$BIN/pirack-pi" ] || fail "$BIN/pirack-pi not built"
export PIRACK_SOCKET=$T/none.sock
# A 10 K band (the agent's defaults are target 77, limit 80):
export PIRACK_TARGET_C=70 PIRACK_LIMIT_C=80
# Target 70, limit 80. At 72 C the controller starts at pace 0.67 (the
# span's 0.8 left, less 2 K into its 15 K band) and falls by 0.03 a
# second; at 40 C it is 1.
fake_zone "$T/hot" thermal_zone0 72000
fake_zone "$T/cool" thermal_zone0 40000
# Two-node runs pit a cool node against a much hotter one (pace ~0.15), so
# that the difference shows even when the loaded machine starves a rank.
fake_zone "$T/hotter" thermal_zone0 76000
N=$(t_work 2e9)	# ~0.3 s a rank with the FMA kernels: enough chunks to measure
pi_of() { grep -o '"pi":[^,]*' <<<"$1"; }

one() {	# ROOT MODE -> $OUT; both ranks on one node
	local root=$1 mode=$2
	OUT=$(PIRACK_SYSFS_ROOT=$root t_timeout 120 "$MPIEXEC" -n 2 \
		"$BIN/pirack-pi" --json -i $N --pace "$mode" --chunk-ms 5 \
		2>>"$T/stderr.log") || fail "pirack-pi --pace $mode failed"
}

two() {	# MODE -> $OUT; node "hot" and node "cool", one rank each
	OUT=$(t_timeout 120 "$MPIEXEC" \
		-n 1 env PIRACK_NODE=hot PIRACK_SYSFS_ROOT="$T/hotter" \
		"$BIN/pirack-pi" --json -i $N --pace "$1" --chunk-ms 5 : \
		-n 1 env PIRACK_NODE=cool PIRACK_SYSFS_ROOT="$T/cool" \
		"$BIN/pirack-pi" --json -i $N --pace "$1" --chunk-ms 5 \
		2>>"$T/stderr.log") || fail "pirack-pi hot+cool --pace $1 failed"
}

one "$T/cool" off
ref=$(pi_of "$OUT")

# Not paced: no pace under 1 and no pacing sleep. Not busy_fraction: it
# counts the wait for the other rank's last chunk, which on a loaded host
# took more than the ranks' compute in this 0.3 s job (0.44, Open MPI,
# make check on 2 cores).
one "$T/cool" node
echo "cool: $OUT"
jq -e '.mean_pace >= 0.99 and .sleep_s < 0.01
       and .nodes[0].source == "sysfs"' <<<"$OUT" >/dev/null ||
	fail "a cool node was paced: $OUT"
[ "$(pi_of "$OUT")" = "$ref" ] || fail "pi changed"

one "$T/hot" node
echo "hot: $OUT"
# The ranks' duty, busy over busy + slept, against their pace: not
# busy_fraction, whose wall time has the ranks' wait for each other too
# (0.28 s of 0.37, Open MPI, make check on 2 cores: 0.37 at pace 0.67,
# where the duty was 0.67). busy, the sums' = bf (sleep + sync) / (1 - bf).
# Generous band: the machine is shared (a starved rank stretches its busy
# time, the controller integrates longer); an unpaced run (duty 1 at pace
# ~0.5) still fails it.
jq -e '.mean_pace > 0.2 and .mean_pace < 0.85 and .sleep_s > 0
       and .busy_fraction < 1
       and (.busy_fraction * (.sleep_s + .sync_s) / (1 - .busy_fraction))
	 as $busy | ($busy / ($busy + .sleep_s) - .mean_pace | fabs) < 0.25
       ' <<<"$OUT" >/dev/null ||
	fail "a hot node did not sleep to its pace: $OUT"
[ "$(pi_of "$OUT")" = "$ref" ] || fail "pi changed when paced"

two uniform
echo "uniform: $OUT"
jq -e '[.nodes[] | .mean_pace < 0.8] | all' <<<"$OUT" >/dev/null ||
	fail "uniform: the cool node did not follow the hot one: $OUT"
# Waiting for the round's slowest rank does not burn the CPU (MPICH's
# blocking calls would poll at full speed): CPU well below wall time.
jq -e '[.nodes[] | .cpu_s < 0.8 * $s] | all' --argjson s "$(jq .seconds <<<"$OUT")" \
	<<<"$OUT" >/dev/null || fail "uniform: idle ranks spun: $OUT"
[ "$(pi_of "$OUT")" = "$ref" ] || fail "pi changed in uniform mode"

two node
echo "node: $OUT"
jq -e '(.nodes[] | select(.node == "cool") | .share) >
       (.nodes[] | select(.node == "hot") | .share)
       and (.nodes[] | select(.node == "cool") | .mean_pace) > 0.99' \
	<<<"$OUT" >/dev/null || fail "node: the cool node did not do more: $OUT"
[ "$(pi_of "$OUT")" = "$ref" ] || fail "pi changed in node mode"
# The refresh period: PIRACK_PACE_REFRESH_S (the simulated cluster, faster
# than real time, shortens it); 20 chunks of 10 ms.
# The bound follows the program's own elapsed time (a loaded machine
# stretches 0.2 s of work): one reading at start plus one per whole period;
# reading at every step would give 20.
o=$(PIRACK_SYSFS_ROOT=$T/hot t_timeout 60 "$MPIEXEC" -n 1 \
	"$BIN/tests/bench/pace_overhead" 20 10 2>/dev/null)
jq -e '.readings <= 2 + (.seconds | floor)' <<<"$o" >/dev/null ||
	fail "too many readings with the default 1 s period: $o"
r=$(PIRACK_SYSFS_ROOT=$T/hot PIRACK_PACE_REFRESH_S=0.02 t_timeout 60 \
	"$MPIEXEC" -n 1 "$BIN/tests/bench/pace_overhead" 20 10 2>/dev/null |
	jq .readings)
[ "$r" -ge 5 ] || fail "$r readings in 0.2 s with a 0.02 s period"
echo ok
