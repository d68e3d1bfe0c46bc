#!/usr/bin/env bash
# mpi_hosts_stall.sh (root): mpi_stall.sh's stalled and resumed jobs on
# three really separate hosts (tests/hosts_lib.sh) over TCP, as on a rack
# whose Pi or link stops: the waiting ranks' roll calls cross the links,
# name the stopped rank and its host, and a job with --stall-s ends with
# that error instead of hanging; stopped and resumed with no limit, the
# job goes on, every roll call is received before MPI_Finalize (its stdout
# is the JSON line alone: MPICH's UCX prints a warning to stdout for each
# message never received), and the bits are a one-host run's.
source "$(dirname "$0")/../lib.sh"
t_init
t_variants plain asan -- "MPI across hosts in the plain and ASan builds only: mpi_stall.sh runs the same code in the others on one host"
mpi_init
source "$TOP/tests/hosts_lib.sh"
why=$(hosts_possible) || skip "separate hosts: $why"
[ -x "$BIN/pirack-pi" ] || fail "$BIN/pirack-pi not built"

NH=3 SLOTS=1 NP=3
export PIRACK_SOCKET=$T/none.sock PIRACK_SYSFS_ROOT=$T/nosys
EXE=$(realpath "$BIN/pirack-pi")
# As mpi_stall.sh: the stalled job never finishes, the resumed one lasts
# seconds and then does; the limit 2 s, stretched under emulation.
BIG=1e12 N=$(t_work 2e10)
STALL=$((2 * PIRACK_TIME_SCALE))
pi_of() { grep -o '"pi":[^,]*' <<<"$1"; }

TAG=ps$(($$ % 10000000))
trap 'rc=$?; hosts_down; (exit $rc); t_cleanup' EXIT
hosts_up "$TAG" "$NH" "$T" "$BIN" || fail "could not create the hosts"
hosts_machinefile "$SLOTS" >"$T/machinefile"
# one rank per host, in order: rank 2 is on host 2 (node $TAG-h2)
ACROSS=("$MPIEXEC" -f "$T/machinefile" -iface "$TAG" -launcher ssh
	-launcher-exec "$T/ssh" -genv UCX_TLS tcp,self
	-genv UCX_NET_DEVICES eth0 -genv PIRACK_TEST_TAG "$T" -n "$NP")

to() { local out=$1; shift; "$@" >"$out"; }	# OUT CMD...: stdout to OUT
job() {	# NAME STALL_S INTERVALS (stdout in $T/NAME.out, stderr .log)
	t_bg "$1" to "$T/$1.out" t_timeout 240 "${ACROSS[@]}" "$EXE" --json \
		-i "$3" --pace uniform --chunk-ms 5 --stall-s "$2"
	JOB=$LAST_PID
}

# The pid, seen from here, of this test's rank R: its host's PID
# namespace is nested in ours, so it is in our /proc too.
rank_pid() {
	local p env
	for p in $(pgrep -f -- "$EXE"); do
		env=$(tr '\0' '\n' 2>/dev/null <"/proc/$p/environ") ||
			continue
		grep -qx "PIRACK_TEST_TAG=$T" <<<"$env" || continue
		grep -qx "PMI_RANK=$1" <<<"$env" || continue
		echo "$p"
		return 0
	done
	return 1
}
logged() { grep -q -- "$2" "$T/$1.log"; }
gone() { ! kill -0 "$1" 2>/dev/null; }

stop_mid_run() {	# NAME: stop rank 2 once its host's ranks compute
	local pid
	wait_for 60 logged "$1" "node $TAG-h2: .*running at pace 1"
	pid=$(rank_pid 2) || fail "$1: rank 2 of the job not found"
	T_PIDS+=("$pid")	# killed at exit, even stopped
	kill -STOP "$pid"
	STOPPED=$pid
}

# One host, the machine's own transports: the reference bits.
ref=$(t_timeout 240 "$MPIEXEC" -n "$NP" "$EXE" --json -i "$N" \
	2>>"$T/ref.log") || fail "the one-host run failed"

# A limit: the job ends with an error naming rank 2 on host 2.
job stalled "$STALL" "$BIG"
stop_mid_run stalled
rc=0
wait_for 90 gone "$JOB"
wait "$JOB" || rc=$?
kill -CONT "$STOPPED" 2>/dev/null || true
grep 'pirack-pi: rank' "$T/stalled.log" || true
[ $rc -ne 0 ] && [ $rc -ne 124 ] ||
	fail "stalled: exit $rc, want an error before the timeout"
logged stalled "no progress for .* waiting for rank 2 on node $TAG-h2" ||
	fail "stalled: no warning naming rank 2 on $TAG-h2"
logged stalled "giving up after .* waiting for rank 2 on node $TAG-h2" ||
	fail "stalled: no error naming rank 2 on $TAG-h2"

# No limit: stopped, said, resumed; the job goes on to the same bits and
# prints nothing but its result.
job resumed 0 "$N"
stop_mid_run resumed
wait_for 60 logged resumed "no progress for .* waiting for rank 2 on node $TAG-h2"
kill -CONT "$STOPPED"
wait_for 200 gone "$JOB"
wait "$JOB" || fail "resumed: the job failed: $(tail -n 20 "$T/resumed.log")"
grep 'pirack-pi: rank' "$T/resumed.log"
logged resumed "going on after" || fail "resumed: no word of going on"
out=$(cat "$T/resumed.out")
[ "$(wc -l <"$T/resumed.out")" = 1 ] && jq -e .pi <<<"$out" >/dev/null ||
	fail "resumed: more than the JSON result on stdout: $out"
[ "$(pi_of "$out")" = "$(pi_of "$ref")" ] ||
	fail "resumed: pi $(pi_of "$out"), want $(pi_of "$ref") as on one host"
[ "$(jq '.nodes | length' <<<"$out")" = "$NH" ] ||
	fail "resumed: not $NH nodes: $out"
echo ok
