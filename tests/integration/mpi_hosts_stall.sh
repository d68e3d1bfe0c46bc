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
source "$TOP/tests/stall_lib.sh"
why=$(hosts_possible) || skip "separate hosts: $why"
[ -x "$BIN/pirack-pi" ] || fail "$BIN/pirack-pi not built"

NH=3 SLOTS=1 NP=3
export PIRACK_SOCKET=$T/none.sock PIRACK_SYSFS_ROOT=$T/nosys
EXE=$(realpath "$BIN/pirack-pi")
# As mpi_stall.sh: the stalled job never finishes, the resumed one lasts
# seconds and then does; the limit 2 s, stretched under emulation.
BIG=1e12 N=$(t_work 2e10)
STALL=$((2 * PIRACK_TIME_SCALE))

TAG=ps$(($$ % 10000000))
trap 'rc=$?; hosts_down; (exit $rc); t_cleanup' EXIT
hosts_up "$TAG" "$NH" "$T" "$BIN" || fail "could not create the hosts"
hosts_machinefile "$SLOTS" >"$T/machinefile"
hosts_mpiexec_opts "$T/machinefile"

job() {	# NAME STALL_S INTERVALS: one rank per host, in order (rank 2 on
	# node $TAG-h2); stdout in $T/NAME.out, stderr in $T/NAME.log
	t_bg "$1" to "$T/$1.out" t_timeout 240 "$MPIEXEC" \
		"${HOSTS_MPIEXEC_OPTS[@]}" -genv PIRACK_TEST_TAG "$T" \
		-n "$NP" "$EXE" --json -i "$3" --pace uniform --chunk-ms 5 \
		--stall-s "$2"
	JOB=$LAST_PID
}

# One host, the machine's own transports: the reference bits.
ref=$(t_timeout 240 "$MPIEXEC" -n "$NP" "$EXE" --json -i "$N" \
	2>>"$T/ref.log") || fail "the one-host run failed"

# A limit: the job ends with an error naming rank 2 on host 2.
job stalled "$STALL" "$BIG"
stop_mid_run stalled 2 "$TAG-h2"
ends_stalled stalled "rank 2 on node $TAG-h2"

# No limit: stopped, said, resumed; the job goes on to the one-host bits
# and prints nothing but its result, with a row for every host.
job resumed 0 "$N"
stop_mid_run resumed 2 "$TAG-h2"
ends_resumed resumed "rank 2 on node $TAG-h2" "$ref"
[ "$(jq '.nodes | length' "$T/resumed.out")" = "$NH" ] ||
	fail "resumed: not $NH nodes: $(cat "$T/resumed.out")"
echo ok
