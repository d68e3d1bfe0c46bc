# tests/stall_lib.sh: a pirack-pi job with one rank stopped mid-run, ended
# by the others or resumed (mpi_stall.sh on one host, mpi_hosts_stall.sh
# across hosts; source it after lib.sh).
# shellcheck shell=bash
#
# The test sets EXE (the pirack-pi its job runs, every rank of it with
# PIRACK_TEST_TAG=$T in its environment), STALL (the job's --stall-s) and,
# once it started the job with its stdout in $T/NAME.out and its stderr in
# $T/NAME.log, JOB (the job's pid).
#   to OUT CMD...               CMD with its stdout to OUT
#   rank_pid RANK               the pid, seen from here, of that rank
#   logged NAME REGEX           the job's stderr says it
#   stop_mid_run NAME RANK NODE stops RANK once NODE's ranks compute
#                               (STOPPED: its pid, killed at exit)
#   ends_stalled NAME WHO       the job ends with an error naming WHO
#                               ("rank 2 on node n1") before the timeout
#   ends_resumed NAME WHO REF   WHO is named, continued; the job goes on
#                               and prints its JSON line alone, with the
#                               pi of REF (another run's JSON)

to() { local out=$1; shift; "$@" >"$out"; }
pi_of() { grep -o '"pi":[^,]*' <<<"$1"; }
logged() { grep -q -- "$2" "$T/$1.log"; }
gone() { ! kill -0 "$1" 2>/dev/null; }

rank_pid() {
	local p env
	# By environment, not by /proc/PID/exe: under qemu-user that names
	# qemu's binfmt interpreter for every process but the reader itself.
	# Only a rank has this test's tag (set by env(1) or the launcher)
	# and a rank number. A rank in a host's PID namespace (hosts_lib.sh)
	# is in our /proc too: that namespace is nested in ours.
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

stop_mid_run() {
	local pid
	# The node's warning ends pace_init(): every wait after it is
	# watched (stall_init() came before it on every rank).
	wait_for 60 logged "$1" "node $3: .*running at pace 1"
	pid=$(rank_pid "$2") || fail "$1: rank $2 of the job not found"
	T_PIDS+=("$pid")	# killed at exit, even stopped
	kill -STOP "$pid"
	STOPPED=$pid
}

ends_stalled() {
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

ends_resumed() {
	local out
	wait_for 60 logged "$1" "no progress for .* waiting for $2"
	kill -CONT "$STOPPED"
	wait_for 200 gone "$JOB"
	wait "$JOB" || fail "$1: the job failed: $(tail -n 20 "$T/$1.log")"
	grep 'pirack-pi: rank' "$T/$1.log"
	logged "$1" "going on after" || fail "$1: no word of going on"
	out=$(cat "$T/$1.out")
	[ "$(wc -l <"$T/$1.out")" = 1 ] && jq -e .pi <<<"$out" >/dev/null ||
		fail "$1: more than the JSON result on stdout: $out"
	[ "$(pi_of "$out")" = "$(pi_of "$3")" ] ||
		fail "$1: pi $(pi_of "$out"), want $(pi_of "$3")"
}
