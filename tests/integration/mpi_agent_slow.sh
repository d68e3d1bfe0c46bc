#!/usr/bin/env bash
# A slow agent does not slow the ranks: libpirackpace posts its requests
# for the pace (and the leader's report) and takes the replies between
# chunks when they came. An agent that answers each request line after
# DELAY seconds (a busy node, the agent waiting for a core) would stop a
# rank that waited for it for DELAY at every refresh; here the steps
# between chunks stay short, and the replies still arrive and count.
source "$(dirname "$0")/../lib.sh"
t_init
mpi_init
[ -x "$BIN/tests/bench/pace_overhead" ] ||
	fail "$BIN/tests/bench/pace_overhead not built"
DELAY=0.3 # under the client's 0.5 s deadline per request
SOCK=$T/agent.sock

# The fake agent answers each request line in order after DELAY, at
# pace 1, and logs every line it got.
fake_agent "$SOCK" "$DELAY"

# 100 chunks of 10 ms at a refresh of 50 ms: a request due every fifth
# step, a reply 0.3 s (with the leader's report, 0.6 s) after it left.
o=$(PIRACK_SOCKET=$SOCK PIRACK_PACE_REFRESH_S=0.05 t_timeout 120 \
	"$MPIEXEC" -n 2 "$BIN/tests/bench/pace_overhead" 100 10 \
	2>"$T/stderr.log") || {
	cat "$T/stderr.log" >&2
	fail "pace_overhead against a slow agent failed"
}
echo "$o"
# The replies came and were taken: the start's reading and at least one
# posted since, from the agent (no fallback to sysfs, no warning).
jq -e '.readings >= 2 and .source == "agent" and .mean_pace == 1' \
	<<<"$o" >/dev/null || fail "the agent's replies were not taken: $o"
! grep -q "agent" "$T/stderr.log" ||
	fail "a warning about the agent: $(cat "$T/stderr.log")"
# Both ranks asked, the leader reported: pace requests beyond the two
# at start, and reports beyond the start's and the end's (which wait).
pace=$(grep -c '^pace$' "$T/requests.log")
reps=$(grep -c '^report$' "$T/requests.log")
[ "$pace" -ge 4 ] || fail "$pace pace requests: $(sort "$T/requests.log" | uniq -c)"
[ "$reps" -ge 3 ] || fail "$reps reports: $(sort "$T/requests.log" | uniq -c)"
# The leader's time in pace_step (the 100 steps) against what waiting
# would have cost it: each report it sent between chunks went with a
# pace request, 2 x DELAY answered in turn. Under half of that, with no
# bound in seconds: a busy machine stretches both alike.
posted=$((reps - 2))
jq -e --argjson d "$DELAY" --argjson n "$posted" \
	'.step_mean_us * .chunks < $n * $d * 1e6' <<<"$o" >/dev/null ||
	fail "the leader waited for its slow agent ($posted reports between chunks): $o"
echo ok
