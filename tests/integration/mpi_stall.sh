#!/usr/bin/env bash
# A stalled job says so: a rank stopped (SIGSTOP) mid-run is named, with
# its node, by the ranks waiting for it, and the job ends with an error
# after --stall-s instead of hanging; stopped and resumed with no limit
# (--stall-s 0), the job says it waited, goes on and gives the same bits.
# (Node mode's own waits, the counter and the last barrier, name the rank
# the same way; there the others first finish the work, load-dependent.)
# The roll calls the waiting ranks sent are all received by the end: the
# resumed job's output is its JSON line and nothing else (MPICH's UCX
# prints a warning to stdout for each message never received).
source "$(dirname "$0")/../lib.sh"
t_init
mpi_init
[ -x "$BIN/pirack-pi" ] || fail "$BIN/pirack-pi not built"
export PIRACK_SOCKET=$T/none.sock PIRACK_SYSFS_ROOT=$T/nosys
EXE=$(realpath "$BIN/pirack-pi")
# Uniform mode: every rank waits for a stopped one at the next round, at
# any load. The stopped job never finishes (1e12); the resumed one lasts
# seconds (the stop lands well before its end) and then finishes: 2e10
# (AVX-512 ran 3e9 in 0.8-1.3 s here, over before a loaded machine had
# found the rank to stop).
BIG=1e12 N=$(t_work 2e10)
# The limit: 2 s, stretched under emulation (qemu-user, where rank 0's
# start-up, the chunk size, alone took over 2 s and the others gave up).
STALL=$((2 * PIRACK_TIME_SCALE))
pi_of() { grep -o '"pi":[^,]*' <<<"$1"; }
to() { local out=$1; shift; "$@" >"$out"; }	# OUT CMD...: stdout to OUT

job() {	# NAME STALL_S INTERVALS: ranks 0, 1 on node n0, rank 2 on n1
	# (stdout in $T/NAME.out, stderr in $T/NAME.log)
	local a=(--json -i "$3" --pace uniform --chunk-ms 5 --stall-s "$2")
	t_bg "$1" to "$T/$1.out" t_timeout 240 "$MPIEXEC" \
		-n 2 env PIRACK_NODE=n0 PIRACK_TEST_TAG="$T" "$EXE" "${a[@]}" : \
		-n 1 env PIRACK_NODE=n1 PIRACK_TEST_TAG="$T" "$EXE" "${a[@]}"
	JOB=$LAST_PID
}

rank_pid() {	# RANK -> the pid of that rank of this test's job
	local p env
	# By environment, not by /proc/PID/exe: under qemu-user that names
	# qemu's binfmt interpreter for every process but the reader itself.
	# Only a rank has this test's tag (set by env(1), which then exec'd
	# pirack-pi) and a rank number.
	for p in $(pgrep -f -- "$EXE"); do
		env=$(tr '\0' '\n' 2>/dev/null <"/proc/$p/environ") ||
			continue
		grep -qx "PIRACK_TEST_TAG=$T" <<<"$env" || continue
		grep -qxE "(PMI_RANK|OMPI_COMM_WORLD_RANK)=$1" <<<"$env" ||
			continue
		echo "$p"
		return 0
	done
	return 1
}

logged() { grep -q -- "$2" "$T/$1.log"; }
gone() { ! kill -0 "$1" 2>/dev/null; }

stop_mid_run() {	# NAME RANK NODE: stop that rank once it computes
	local pid
	# The node's warning ends pace_init(): every wait after it is
	# watched (stall_init() came before it on every rank).
	wait_for 60 logged "$1" "node $3: .*running at pace 1"
	pid=$(rank_pid "$2") || fail "rank $2 of the job not found"
	T_PIDS+=("$pid")	# killed at exit, even stopped
	kill -STOP "$pid"
	STOPPED=$pid
}

ends_stalled() {	# NAME WHO: the job ends, non-zero, naming WHO
	local rc=0
	wait_for 60 gone "$JOB"
	wait "$JOB" || rc=$?
	kill -CONT "$STOPPED" 2>/dev/null || true
	echo "$1: exit $rc"; grep 'pirack-pi: rank' "$T/$1.log" || true
	[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "$1: exit $rc, want an error before the timeout"
	grep -q "no progress for .* waiting for $2" "$T/$1.log" ||
		fail "$1: no warning naming $2"
	grep -q "giving up after .* waiting for $2 .*--stall-s $STALL)" "$T/$1.log" ||
		fail "$1: no error naming $2"
	! grep -q '^{' "$T/$1.out" || fail "$1: a result was printed"
}

# Rank 2, the only one on n1, found by the others' roll call.
job last $STALL $BIG
stop_mid_run last 2 n1
ends_stalled last "rank 2 on node n1"

# Rank 0, which also holds the job's start (the chunk size).
job first $STALL $BIG
stop_mid_run first 0 n0
ends_stalled first "rank 0 on node n0"

# No limit: a rank stopped for a while and resumed (a link that came
# back): said, then the job goes on to the same bits.
ref=$(t_timeout 240 "$MPIEXEC" -n 2 "$EXE" --json -i $N 2>>"$T/ref.log") ||
	fail "reference run failed"
job resumed 0 $N
stop_mid_run resumed 2 n1
wait_for 60 logged resumed "no progress for .* waiting for rank 2 on node n1"
kill -CONT "$STOPPED"
wait_for 200 gone "$JOB"
wait "$JOB" || fail "resumed: the job failed: $(cat "$T/resumed.log")"
grep 'pirack-pi: rank' "$T/resumed.log"
logged resumed "going on after" || fail "resumed: no word of going on"
out=$(cat "$T/resumed.out")
[ "$(wc -l <"$T/resumed.out")" = 1 ] && jq -e .pi <<<"$out" >/dev/null ||
	fail "resumed: more than the JSON result on stdout: $out"
[ "$(pi_of "$out")" = "$(pi_of "$ref")" ] || fail "resumed: pi changed: $out"
echo ok
