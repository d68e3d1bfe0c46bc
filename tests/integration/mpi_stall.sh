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
source "$TOP/tests/stall_lib.sh"
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

job() {	# NAME STALL_S INTERVALS: ranks 0, 1 on node n0, rank 2 on n1
	# (stdout in $T/NAME.out, stderr in $T/NAME.log)
	local a=(--json -i "$3" --pace uniform --chunk-ms 5 --stall-s "$2")
	t_bg "$1" to "$T/$1.out" t_timeout 240 "$MPIEXEC" \
		-n 2 env PIRACK_NODE=n0 PIRACK_TEST_TAG="$T" "$EXE" "${a[@]}" : \
		-n 1 env PIRACK_NODE=n1 PIRACK_TEST_TAG="$T" "$EXE" "${a[@]}"
	JOB=$LAST_PID
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
ends_resumed resumed "rank 2 on node n1" "$ref"
echo ok
