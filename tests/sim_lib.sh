# tests/sim_lib.sh: helpers for the simulated-cluster tests (source it after
# lib.sh and t_init).
#
#   sim_require            skip unless this is the plain build with MPI
#   sim_run ARGS...        deploy/simcluster.sh -b $BIN -o $T/out -q
#                          --sim-clock cpu ARGS; fails with its output
#                          when it fails
#   S FILTER               jq -r FILTER on $T/out/summary.json
#   S_true FILTER WHY      fail with WHY unless FILTER is true

sim_require() {
	# Heavy (a broker, agents, an MPI job on 2 cores): the ASan and other
	# variants would prove nothing the plain build does not.
	[ "${PIRACK_VARIANT:-plain}" = plain ] ||
		skip "simulated cluster: plain build only"
	local b
	for b in pirackd pirack-pi tests/tools/ctl; do
		[ -x "$BIN/$b" ] || skip "$BIN/$b is not built"
	done
	command -v mpiexec >/dev/null || skip "mpiexec is not installed"
	command -v gnuplot >/dev/null || skip "gnuplot is not installed"
	# UCX on loopback only: see mpi_init in tests/lib.sh (--netns runs
	# set their hosts' own device)
	export UCX_NET_DEVICES=${UCX_NET_DEVICES:-lo}
}

sim_run() {
	# On the CPU clock: the simulated Pis run as fast as their ranks get
	# this machine's CPUs, so a busy machine (tests two at a time, other
	# work beside them) slows the Pis rather than heating them for work
	# their ranks never did, and the job is sized in the Pis' time.
	# In the background, so the test's cleanup can stop it (and it its
	# own children) when the test is killed.
	t_bg simcluster bash "$TOP/deploy/simcluster.sh" -b "$BIN" \
		-o "$T/out" -q --sim-clock cpu "$@"
	if ! wait "$LAST_PID"; then
		cat "$T/simcluster.log"
		fail "simcluster.sh $* failed"
	fi
	cat "$T/simcluster.log"
}

S() { jq -r "$1" "$T/out/summary.json"; }

S_true() {
	[ "$(jq -r "$1" "$T/out/summary.json")" = true ] || {
		jq . "$T/out/summary.json"
		fail "$2"
	}
}
