#!/usr/bin/env bash
# Runs every test against one or more build directories:
#   tests/run.sh BUILD_DIR [BUILD_DIR...]
# Unit tests are $BUILD/tests/unit/test_* whose tests/unit/test_*.c still
# exists (a removed test's old binary is not run); integration tests are
# tests/integration/*.sh, run with PIRACK_BUILD=$BUILD and PIRACK_VARIANT
# (plain, asan or the build dir's last component, e.g. gpiod2, openmpi) and
# PIRACK_PLAIN_BUILD (the first, plain build); a test may skip itself in
# variants it has nothing to prove in. Exit status 77 means
# skipped. Two at a time; each
# test's output goes to $BUILD/test-logs/ and is shown when it fails.
# PIRACK_TESTS=GLOB runs only the tests whose path matches (e.g. '*mqtt*').
# Each test gets PIRACK_TEST_TIMEOUT seconds (300); a test that boots an
# emulated machine may ask for more with a line "# run.sh timeout: SECS".
# Under user-mode emulation (qemu-user, tests/emulation.sh) both are
# multiplied by PIRACK_TIME_SCALE (5 there) and LeakSanitizer is off.
# Ends with the line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
JOBS=${PIRACK_TEST_JOBS:-2}
TIMEOUT=${PIRACK_TEST_TIMEOUT:-300}
passed=0 failed=0 skipped=0
source tests/emulation.sh
emulation_probe
if [ -n "$PIRACK_EMULATED" ]; then
	# qemu-user refuses the clone(CLONE_UNTRACED) LeakSanitizer stops
	# the process with, and every ASan program would end in "LeakSanitizer
	# has encountered a fatal error". ASan and UBSan still run.
	export ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
	echo "run.sh: $PIRACK_EMULATED: deadlines x$PIRACK_TIME_SCALE," \
		"LeakSanitizer off (qemu-user has no ptrace for it)"
fi
failures=()

run_one() {	# build variant name cmd...
	local build=$1 variant=$2 name=$3; shift 3
	local log="$build/test-logs/${name//\//_}.log" secs
	secs=$(sed -n '1,20s/^# run\.sh timeout: \([0-9][0-9]*\)$/\1/p' \
		"${@: -1}" 2>/dev/null | head -n 1)
	PIRACK_BUILD=$build PIRACK_VARIANT=$variant \
		timeout -k 5 "$((${secs:-$TIMEOUT} * PIRACK_TIME_SCALE))" "$@" \
		>"$log" 2>&1
	echo $? >"$log.rc"
}

declare -A pending=()
report() {	# log name
	local rc; rc=$(cat "$1.rc")
	case $rc in
	0) passed=$((passed + 1)); echo "PASS $2" ;;
	77) skipped=$((skipped + 1)); echo "SKIP $2: $(tail -n 1 "$1")" ;;
	*) failed=$((failed + 1)); failures+=("$2")
	   echo "FAIL $2 (exit $rc)"; sed 's/^/    | /' "$1" | tail -n 60 ;;
	esac
}

drain() {	# wait for jobs until fewer than $1 run
	local pid
	while [ ${#pending[@]} -ge "$1" ] && [ ${#pending[@]} -gt 0 ]; do
		wait -n 2>/dev/null
		for pid in "${!pending[@]}"; do
			if ! kill -0 "$pid" 2>/dev/null; then
				wait "$pid" 2>/dev/null
				report ${pending[$pid]}
				unset "pending[$pid]"
			fi
		done
	done
}

# Whether BUILD's MPI (its mpi.env, written by make) differs from the
# first build's.
mpi_of() { sed -n 's/^MPI=//p' "$1/mpi.env" 2>/dev/null; }
mpi_variant() { [ "$(mpi_of "$1")" != "$(mpi_of "$first")" ]; }

first=${1%/}
# Tests may compare a variant's results with the plain build's.
export PIRACK_PLAIN_BUILD=$first
for build in "$@"; do
	build=${build%/}
	variant=${build##*/}
	[ "$build" = "$first" ] && variant=plain
	mkdir -p "$build/test-logs"
	tests=()
	for t in "$build"/tests/unit/test_*; do
		# a binary whose source is gone is an old build's, not a test
		[ -x "$t" ] && [ -f "tests/unit/${t##*/}.c" ] && tests+=("$t")
	done
	for t in tests/integration/*.sh; do
		[ -f "$t" ] && tests+=("$t")
	done
	for t in "${tests[@]}"; do
		# shellcheck disable=SC2053
		[[ $t == ${PIRACK_TESTS:-*} ]] || continue
		# A variant build that swaps one backend (gpiod2: libgpiod v2)
		# differs from the plain build only there: its unit tests and
		# the integration tests named after that backend run on it.
		# A variant built on another MPI (openmpi, 'make mpi') builds
		# and runs only the MPI programs' tests.
		case $variant in
		plain|asan) ;;
		*) if mpi_variant "$build"; then
			[[ $t == *.sh && $t != */mpi_* ]] && continue
		   else
			[[ $t == *.sh && $t != *"$variant"* && \
			   $t != *gpiod* ]] && continue
		   fi ;;
		esac
		drain "$JOBS"
		name="$build:${t#"$build"/}"
		log="$build/test-logs/${name//\//_}.log"
		case "$t" in
		*.sh) run_one "$build" "$variant" "$name" bash "$t" & ;;
		*) run_one "$build" "$variant" "$name" "$t" & ;;
		esac
		pending[$!]="$log $name"
	done
done
drain 1

if [ $failed -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
