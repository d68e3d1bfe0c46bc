#!/usr/bin/env bash
# Every parser's fuzz target (tests/fuzz/fuzz_*.c, libFuzzer under ASan and
# UBSan) over its seed corpus, then briefly mutating: each target's
# invariants hold and nothing crashes. make fuzz runs them for longer.
source "$(dirname "$0")/../lib.sh"
t_init
# Its own sanitizers: one run proves what the asan variant would.
t_variants plain -- "fuzz targets carry their own sanitizers: plain variant only"
command -v clang >/dev/null ||
	skip "clang is not installed: no fuzz targets (deploy/deps.sh)"

# make check builds them (check-extra-builds). The test does not build them
# itself: a make run with another spelling of O (absolute here) writes
# dependency files that the next make cannot match, leaving stale objects.
targets=()
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	t=${src##*/}
	targets+=("${t%.c}")
done
for t in "${targets[@]}"; do
	[ -x "$BIN/fuzz/$t" ] ||
		fail "$BIN/fuzz/$t is not built: run 'make fuzz-build' (make check does)"
done

# A scratch copy of the build dir's layout: new inputs and crashes go to
# $T, never to the seed corpus or the build.
mkdir -p "$T/fuzz"
for t in "${targets[@]}"; do
	[ -x "$BIN/fuzz/$t" ] || fail "$BIN/fuzz/$t was not built"
	ln -s "$BIN/fuzz/$t" "$T/fuzz/$t"
done
# Up to 5 s or 20000 inputs each, after the whole seed corpus.
out=$(FUZZ_RUNS=20000 bash "$TOP/tests/fuzz/run.sh" "$T/fuzz" 5 \
	"${targets[@]}" 2>&1) || {
	echo "$out"
	for f in "$T"/fuzz/crashes/*; do
		[ -f "$f" ] || continue
		echo "--- reproducer $f:"; od -c "$f" | head -n 20
	done
	fail "a fuzz target failed (reproduce: build/fuzz/TARGET FILE)"
}
echo "$out"
# Each target ran: the seeds at least, as many lines as targets.
[ "$(grep -c '^ok ' <<<"$out")" = "${#targets[@]}" ] ||
	fail "not every target reported: $out"
