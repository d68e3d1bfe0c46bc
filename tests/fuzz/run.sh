#!/usr/bin/env bash
# Runs the fuzz targets built in FUZZ_DIR, each from its seed corpus:
#   tests/fuzz/run.sh FUZZ_DIR SECONDS [TARGET...]
# FUZZ_RUNS=N also stops each after N inputs (the smoke test in make check).
# New inputs go to FUZZ_DIR/corpus/<target>/ (the seeds in
# tests/fuzz/corpus/ are source and only read), crashes to
# FUZZ_DIR/crashes/. Prints each target's executions and exec/s; exits
# non-zero when any target found a crash.
set -u
cd "$(dirname "$0")/../.."
dir=${1:?usage: run.sh FUZZ_DIR SECONDS [TARGET...]}
secs=${2:?usage: run.sh FUZZ_DIR SECONDS [TARGET...]}
shift 2
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for t in tests/fuzz/fuzz_*.c; do
		t=${t##*/}
		targets+=("${t%.c}")
	done
fi

# The longest input worth trying: a little over each parser's own limit.
max_len() {
	case $1 in
	fuzz_config) echo 8192 ;;	# lines of 200, a few dozen keys
	fuzz_control) echo 4200 ;;	# two 2048-byte request lines
	fuzz_control_socket) echo 4200 ;; # long lines; 64 KiB of replies
	fuzz_fan) echo 64 ;;		# a command word (< 16) and state
	fuzz_mqtt) echo 300 ;;		# a word (< 16); longer ones cut
	fuzz_sensors) echo 1536 ;;	# six files of up to 254 bytes
	fuzz_inventory) echo 8192 ;;	# a rack of nodes, lines of 200
	fuzz_pace_agent) echo 9000 ;;	# replies up to 8192 bytes and more
	fuzz_pi_args) echo 512 ;;	# a command line
	*) echo 4096 ;;
	esac
}

failed=()
for t in "${targets[@]}"; do
	bin=$dir/$t
	if [ ! -x "$bin" ]; then
		echo "run.sh: $bin is not built (make fuzz-build)" >&2
		failed+=("$t")
		continue
	fi
	mkdir -p "$dir/corpus/$t" "$dir/crashes" "$dir/logs"
	log=$dir/logs/$t.log
	# -close_fd_mask=2 drops the agent's log lines, not the reports
	args=(-max_len="$(max_len "$t")" -max_total_time="$secs"
	      -timeout=10 -rss_limit_mb=1024 -print_final_stats=1
	      -close_fd_mask=2 -artifact_prefix="$dir/crashes/$t-")
	[ -n "${FUZZ_RUNS:-}" ] && args+=(-runs="$FUZZ_RUNS")
	[ -f "tests/fuzz/$t.dict" ] && args+=(-dict="tests/fuzz/$t.dict")
	"$bin" "${args[@]}" "$dir/corpus/$t" "tests/fuzz/corpus/$t" \
		>"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	if [ $rc -ne 0 ]; then
		failed+=("$t")
		echo "FAIL $t (exit $rc) after ${runs:-?} runs; log $log"
		grep -E -e 'invariant broken|ERROR: |SUMMARY' \
			-e 'runtime error|Test unit written' "$log" |
			head -n 8 | sed 's/^/    | /'
	else
		echo "ok   $t: ${runs:-?} runs, ${speed:-?} exec/s"
	fi
done
[ ${#failed[@]} -eq 0 ]
