#!/usr/bin/env bash
# A rank asleep for its pace wakes when its node's pace rises. A chunk at
# a low pace owes 1 / pace - 1 times its length in sleep (19x at the
# 0.05 floor); a node cut for one sample (a job's start, the prediction
# at the limit) must not keep its ranks asleep for that long after the
# agent gave the pace back: while it sleeps the rank keeps asking, and
# the rest of the sleep is owed at the new pace.
source "$(dirname "$0")/../lib.sh"
t_init
mpi_init
[ -x "$BIN/tests/bench/pace_overhead" ] ||
	fail "$BIN/tests/bench/pace_overhead not built"

wake() {	# SOCK PACES CHUNKS -> $o: one rank, 50 ms chunks, asking every 20 ms
	fake_agent "$1" 0 "$2"
	o=$(PIRACK_SOCKET=$1 PIRACK_PACE_REFRESH_S=0.02 t_timeout 120 \
		"$MPIEXEC" -n 1 "$BIN/tests/bench/pace_overhead" "$3" 50 \
		2>"$T/stderr.log") || {
		cat "$T/stderr.log" >&2
		fail "pace_overhead against the agent ($2) failed"
	}
	echo "$2: $o"
	jq -e '.source == "agent" and .readings >= 2
	       and .min_pace != null and .min_pace <= 0.051' <<<"$o" >/dev/null ||
		fail "the first chunk did not run at the agent's pace 0.05: $o"
}

# pace_init's request is answered 0.05, every later one 1: the first
# chunk owes at least 0.95 s of sleep, and the reply to the request that
# went with its step gives pace 1, which owes none. A generous bound,
# half the debt: a busy machine delays the reply and the wake-up, not by
# half a second.
wake "$T/a1.sock" 0.05,1 10
jq -e '.sleep_s != null and .sleep_s < 0.475' <<<"$o" >/dev/null ||
	fail "the rank slept on at pace 1: $o"

# Then 0.5 and a single chunk: the rest of its 0.95 s is owed at 0.5, a
# nineteenth ((1 - 0.5) / 0.5 against (1 - 0.05) / 0.05), about 0.05 s;
# not nothing (forgiven), not the whole of it.
wake "$T/a2.sock" 0.05,0.5 1
jq -e '.sleep_s != null and .sleep_s > 0.03 and .sleep_s < 0.6' \
	<<<"$o" >/dev/null || fail "the rest was not owed at pace 0.5: $o"
echo ok
