#!/usr/bin/env bash
# mpi_finalize.sh: the finalize fix on one host over UCX's TCP transport:
# pirack-pi and, preloaded (libpirack-finalize.so), a program without it
# end every run; no message sent right up to MPI_Finalize is lost; the
# detection turns it on for MPICH 3.4-4.1 ch4:ucx only, PIRACK_FINALIZE_FIX
# overrides it, and under Open MPI it stays off. (Across separate hosts:
# mpi_hosts.sh.)
source "$(dirname "$0")/../lib.sh"
t_init
t_variants plain asan -- "MPI only: the gpiod variant changes nothing here"
mpi_init
for b in pirack-pi tests/mpi/finalize_burst libpirack-finalize.so; do
	[ -e "$BIN/$b" ] || fail "$BIN/$b not built"
done
export PIRACK_SOCKET=$T/none.sock PIRACK_SYSFS_ROOT=$T/nosys
# The preload is not instrumented: it loads before ASan's runtime.
if [ "${PIRACK_VARIANT:-plain}" = asan ]; then
	export ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
fi
PRELOAD=$BIN/libpirack-finalize.so
# TCP on loopback only: other tests add and remove links all the time,
# and UCX fails its start-up when one it listed is gone a moment later.
TCP=(-genv UCX_TLS tcp,self -genv UCX_NET_DEVICES lo)

# What the fix should say here, from MPICH's own report.
ver=$(mpichversion 2>/dev/null | awk -F'\t' '/^MPICH Version/ { print $2 }' | tr -d ' ')
dev=$(mpichversion 2>/dev/null | awk -F'\t' '/^MPICH Device/ { print $2 }' | tr -d ' ')
want=off
case "$ver/$dev" in 3.[4-9]*/ch4:ucx* | 4.[01]*/ch4:ucx*) want=on ;; esac
echo "MPICH '$ver' device '$dev': the fix should be $want"

# A job that hangs in MPI_Finalize never ends: 20 s at most, stretched under
# emulation (under qemu-user at load 12, 4 ASan ranks of 1e5 intervals had
# not reached MPI_Finalize after 20 s, in 1 run of 5).
LIMIT=$((20 * PIRACK_TIME_SCALE))
job() {	# LOG ENV=VAL... -- CMD...: one job of $NP ranks over TCP, $LIMIT s at most
	local log=$1 env=(); shift
	while [ "$1" != -- ]; do env+=(-genv "${1%%=*}" "${1#*=}"); shift; done
	shift
	timeout -k 2 "$LIMIT" "$MPIEXEC" "${TCP[@]}" "${env[@]}" -n "${NP:-4}" "$@" \
		>"$T/$log.out" 2>"$T/$log.log"
}

# pirack-pi carries the fix; the burst program gets it preloaded.
for ((r = 1; r <= 5; r++)); do
	job pi PIRACK_FINALIZE_FIX_DEBUG=1 -- "$BIN/pirack-pi" --intervals 1e5 \
		--pace off || fail "pirack-pi run $r (exit $?): $(tail -n 5 "$T/pi.log")"
	[ "$(grep -c "pirack-finalize: MPICH .*auto: fix $want\$" "$T/pi.log")" = 4 ] ||
		fail "pirack-pi: want 'fix $want' from 4 ranks: $(cat "$T/pi.log")"
	job burst LD_PRELOAD="$PRELOAD" -- "$BIN/tests/mpi/finalize_burst" ||
		fail "finalize_burst run $r (exit $?): $(tail -n 5 "$T/burst.log")"
	[ "$(grep -c ' 0 bad$' "$T/burst.out")" = 4 ] ||
		fail "finalize_burst: $(cat "$T/burst.out")"
done
echo "5 x pirack-pi and 5 x finalize_burst (preloaded) over TCP: all ended, 0 bad bytes"

# The override, either way, and a wrong value named.
job on PIRACK_FINALIZE_FIX=on PIRACK_FINALIZE_FIX_DEBUG=1 LD_PRELOAD="$PRELOAD" \
	-- "$BIN/tests/mpi/finalize_burst" || fail "PIRACK_FINALIZE_FIX=on failed"
[ "$(grep -c 'forced: fix on$' "$T/on.log")" = 4 ] || fail "=on: $(cat "$T/on.log")"
job bad PIRACK_FINALIZE_FIX=yes PIRACK_FINALIZE_FIX_DEBUG=1 \
	-- "$BIN/pirack-pi" --intervals 1e5 --pace off || fail "PIRACK_FINALIZE_FIX=yes failed"
grep -q "PIRACK_FINALIZE_FIX='yes' is not auto, on or off: using auto" "$T/bad.log" ||
	fail "=yes not named: $(cat "$T/bad.log")"
grep -q "auto: fix $want\$" "$T/bad.log" || fail "=yes: $(cat "$T/bad.log")"
# off: MPICH's own finalize, which can hang with more than one rank
NP=1 job off PIRACK_FINALIZE_FIX=off PIRACK_FINALIZE_FIX_DEBUG=1 \
	-- "$BIN/pirack-pi" --intervals 1e5 --pace off || fail "=off failed"
grep -q 'disabled: fix off$' "$T/off.log" || fail "=off: $(cat "$T/off.log")"

# Open MPI: the preload finds no MPICH and stays out of the way.
if command -v mpicc.openmpi >/dev/null && command -v mpiexec.openmpi >/dev/null; then
	# built here, into the test's own directory, with Open MPI's wrapper
	mpicc.openmpi -std=c11 -O2 -o "$T/burst_ompi" \
		"$TOP/tests/mpi/finalize_burst.c" || fail "mpicc.openmpi failed"
	ASAN_OPTIONS= timeout -k 2 $((3 * LIMIT)) mpiexec.openmpi --allow-run-as-root \
		--oversubscribe -x LD_PRELOAD="$PRELOAD" \
		-x PIRACK_FINALIZE_FIX_DEBUG=1 -n 3 "$T/burst_ompi" \
		>"$T/ompi.out" 2>"$T/ompi.log" ||
		fail "Open MPI with the preload failed: $(tail -n 5 "$T/ompi.log")"
	[ "$(grep -c ' 0 bad$' "$T/ompi.out")" = 3 ] || fail "Open MPI: $(cat "$T/ompi.out")"
	[ "$(grep -c 'pirack-finalize: not MPICH (Open MPI.*: fix off$' "$T/ompi.log")" = 3 ] ||
		fail "Open MPI: want 'fix off' from 3 ranks: $(cat "$T/ompi.log")"
	echo "Open MPI with the preload: fix off, 0 bad bytes"
else
	echo "no Open MPI here: its check skipped"
fi
echo ok
