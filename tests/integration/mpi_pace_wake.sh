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
SOCK=$T/agent.sock

# The first pace request (pace_init's) is answered 0.05, every later 1.
fake_agent "$SOCK" 0 0.05,1

# 10 chunks of 50 ms, asking every 20 ms: the first chunk, at 0.05, owes
# at least 0.95 s of sleep; the reply to the request due 20 ms into that
# sleep gives pace 1, which owes none.
o=$(PIRACK_SOCKET=$SOCK PIRACK_PACE_REFRESH_S=0.02 t_timeout 120 \
	"$MPIEXEC" -n 1 "$BIN/tests/bench/pace_overhead" 10 50 \
	2>"$T/stderr.log") || {
	cat "$T/stderr.log" >&2
	fail "pace_overhead against the agent failed"
}
echo "$o"
jq -e '.source == "agent" and .readings >= 2' <<<"$o" >/dev/null ||
	fail "the agent's replies were not taken: $o"
# The low pace was applied (the first chunk paid at it) ...
jq -e '.min_pace != null and .min_pace <= 0.051' <<<"$o" >/dev/null ||
	fail "the first chunk did not run at pace 0.05: $o"
# ... and its sleep ended with the pace's rise, not 0.95 s later. A
# generous bound, half the debt: a busy machine delays the agent's reply
# and the rank's wake-up, not by half a second.
jq -e '.sleep_s != null and .sleep_s < 0.475' <<<"$o" >/dev/null ||
	fail "the ranks slept on at pace 1: $o"
echo ok
