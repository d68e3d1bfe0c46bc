#!/usr/bin/env bash
# pirack-pi's speed per core against the classic scalar cpi (-O2) and, when
# python3-mpi4py is installed, the recipe's mpi4py program under its own
# mpirun; and what pacing costs at pace 1 with 10 ms chunks. Best of 3
# runs each; every ratio is against a baseline measured in this run.
# The generic kernel runs a tenth of the intervals (on x86 it calls libm's
# fma(); PI_BENCH_GENERIC_INTERVALS). PI_BENCH_REF=/path/to/pirack-pi adds
# that build's kernels as "ref" rows: before/after in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${PIRACK_BUILD:-build}
N=${PI_BENCH_INTERVALS:-1e9}
NPY=${PI_BENCH_PY_INTERVALS:-1e7}
REPS=${PI_BENCH_REPS:-3}
NGEN=${PI_BENCH_GENERIC_INTERVALS:-$(awk -v n="$N" 'BEGIN { printf "%.0f", n / 10 }')}
REF=${PI_BENCH_REF:-}
MPIEXEC=$(command -v mpiexec.mpich || command -v mpiexec)
CORES=$(nproc)
for f in pirack-pi tests/bench/cpi tests/bench/pace_overhead; do
	[ -x "$B/$f" ] || { echo "pi.bench: $B/$f not built" >&2; exit 1; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# No agent; a cool fake node, so that pacing runs its code at pace 1.
mkdir -p "$T/sys/class/thermal/thermal_zone0"
echo cpu-thermal >"$T/sys/class/thermal/thermal_zone0/type"
echo 40000 >"$T/sys/class/thermal/thermal_zone0/temp"
export PIRACK_SOCKET=$T/none.sock PIRACK_SYSFS_ROOT=$T/sys

min2() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'; }
best() {	# CMD... -> prints the smallest seconds over REPS runs
	local b="" s
	for _ in $(seq "$REPS"); do
		s=$("$@")
		b=$(min2 "$s" "$b")
	done
	echo "$b"
}
cpi_s() { "$MPIEXEC" -n "$1" "$B/tests/bench/cpi" "$2" |
	  awk '/wall clock time/ { print $NF }'; }
pi_s() {	# RANKS INTERVALS ARGS...
	local n=$1 i=$2; shift 2
	"$MPIEXEC" -n "$n" "${PI:-$B/pirack-pi}" --json -i "$i" "$@" \
		2>/dev/null | jq -r .seconds
}
py_s() { OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
	 mpirun.openmpi -n "$1" /usr/bin/python3 tests/bench/pi_mpi4py.py "$2" |
	 awk '/wall clock time/ { print $NF }'; }

nint=$(awk -v n="$N" 'BEGIN { printf "%.0f", n }')
rows=()
row() {	# LABEL RANKS INTERVALS SECONDS
	rows+=("$(awk -v l="$1" -v r="$2" -v n="$3" -v s="$4" 'BEGIN {
		ns = s * r / n * 1e9
		printf "%s|%d|%.0f|%.4f|%.3f|%.4g", l, r, n, s, ns, n / s / r }')")
}

base=$(best cpi_s 1 "$N")
row "cpi (scalar, -O2)" 1 "$nint" "$base"
kernels() {	# LABEL BINARY: a row per kernel it runs here
	local k n
	for k in generic neon avx2 avx512; do
		"$2" --kernel "$k" --help >/dev/null 2>&1 || continue
		n=$nint
		[ "$k" = generic ] && n=$NGEN
		row "$1 $k" 1 "$n" \
			"$(PI=$2 best pi_s 1 "$n" --pace off --kernel $k)"
	done
}
kernels pirack-pi "$B/pirack-pi"
[ -z "$REF" ] || kernels ref "$REF"
row "pirack-pi auto" "$CORES" "$nint" "$(best pi_s "$CORES" "$N" --pace off)"
row "cpi (scalar, -O2)" "$CORES" "$nint" "$(best cpi_s "$CORES" "$N")"
if /usr/bin/python3 -c 'import mpi4py' 2>/dev/null &&
   command -v mpirun.openmpi >/dev/null; then
	npy=$(awk -v n="$NPY" 'BEGIN { printf "%.0f", n }')
	row "mpi4py pi (recipe)" 1 "$npy" "$(best py_s 1 "$NPY")"
else
	echo "(python3-mpi4py not installed: no mpi4py row; deploy/deps.sh --bench)"
fi

base_ns=$(awk -v s="$base" -v n="$nint" 'BEGIN { print s / n * 1e9 }')
printf '%-22s %5s %12s %9s %12s %12s %9s\n' PROGRAM RANKS INTERVALS SECONDS \
	NS/INT/CORE INT/S/CORE "VS CPI"
for r in "${rows[@]}"; do
	IFS='|' read -r l rk n s ns ips <<<"$r"
	printf '%-22s %5s %12s %9s %12s %12s %8.2fx\n' "$l" "$rk" "$n" "$s" \
		"$ns" "$ips" "$(awk -v a="$base_ns" -v b="$ns" 'BEGIN { print a / b }')"
done

# Pacing at pace 1 (cool node, sysfs read every second), 10 ms chunks;
# the three modes interleaved so that load from others hits them alike.
# Wall time is what counts; CPU time is the steadier witness on a loaded
# machine.
pi_ws() {	# ARGS... -> "wall cpu"
	"$MPIEXEC" -n 1 "$B/pirack-pi" --json -i "$N" --chunk-ms 10 "$@" \
		2>/dev/null | jq -r '"\(.seconds) \(.cpu_s)"'
}
declare -A wall=() cpu=()
for _ in $(seq $((REPS + 2))); do
	for m in off node uniform; do
		read -r w c <<<"$(pi_ws --pace $m)"
		wall[$m]=$(min2 "$w" "${wall[$m]:-}")
		cpu[$m]=$(min2 "$c" "${cpu[$m]:-}")
	done
done
echo
echo "pacing at pace 1, 10 ms chunks, 1 rank, $nint intervals (best of $((REPS + 2))):"
for m in off node uniform; do
	awk -v m="$m" -v w="${wall[$m]}" -v c="${cpu[$m]}" -v w0="${wall[off]}" \
	    -v c0="${cpu[off]}" 'BEGIN {
		printf "  %-8s wall %.4f s (%+.2f %%), cpu %.4f s (%+.2f %%)\n",
			m, w, (w / w0 - 1) * 100, c, (c / c0 - 1) * 100 }'
done
"$MPIEXEC" -n 1 "$B/tests/bench/pace_overhead" 200 10 2>/dev/null |
	jq -r '"  pace_step(): mean \(.step_mean_us) us, max \(.step_max_us) us per call, \(.overhead_pct) % of run time (\(.chunks) chunks of \(.chunk_ms) ms, \(.readings) readings from \(.source))"'
