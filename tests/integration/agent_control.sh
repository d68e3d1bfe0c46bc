#!/usr/bin/env bash
# The control socket: every request's reply, malformed requests answered
# with {"error"} and the agent undisturbed, many clients at once, a client
# that never reads or sends a never-ending line cannot block anyone.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/agent_lib.sh"
agent_setup
agent_start

[ "$(stat -c %a "$SOCK")" = 660 ] || fail "socket mode $(stat -c %a "$SOCK")"

# One connection, several requests in sequence, one JSON line each.
out=$(ctl status pace "led identify" 'report {"done":3,"total":10}' \
	"led auto" status)
[ "$(wc -l <<<"$out")" = 6 ] || fail "replies: $out"
jq -e . <<<"$out" >/dev/null || fail "not JSON: $out"
r=$(sed -n 2p <<<"$out")
for k in node pace temp_c target_c limit_c fan fault throttled ts; do
	jq -e "has(\"$k\")" <<<"$r" >/dev/null || fail "pace reply lacks $k: $r"
done
[ "$(q "$r" .target_c)" = 70 ] && [ "$(q "$r" .limit_c)" = 80 ] &&
	[ "$(q "$r" .pace)" = 1 ] || fail "pace reply: $r"
[ "$(sed -n 3p <<<"$out")" = '{"ok":true,"led":"identify"}' ] ||
	fail "led identify: $(sed -n 3p <<<"$out")"
[ "$(sed -n 4p <<<"$out")" = '{"ok":true}' ] || fail "report reply"
r=$(sed -n 6p <<<"$out")
[ "$(q "$r" .job.done)" = 3 ] || fail "job not in status: $r"
for k in node ts seq temp_c zones fan fan_mode led pace throttled \
	 cpu_freq_mhz load1 job fault; do
	jq -e "has(\"$k\")" <<<"$r" >/dev/null || fail "status lacks $k: $r"
done

# Identify shows blue.
ctl "led identify" >/dev/null
wait_for 10 line_is 22 1
ctl "led auto" >/dev/null
wait_for 10 line_is 27 1

# Malformed requests: an error each, on the same connection.
bad=("" "bogus" "status now" "fan" "fan sideways" "fan 101" "led" \
     "led disco" "report" "report [1,2]" "report {broken" "pace 3" \
     "$(printf 'st\001atus')")
out=$(ctl "${bad[@]}" status)
n=$(grep -c '"error"' <<<"$out")
[ "$n" = ${#bad[@]} ] || fail "$n errors for ${#bad[@]} bad requests: $out"
tail -n 1 <<<"$out" | jq -e '.node == "testnode"' >/dev/null ||
	fail "status after bad requests: $out"
grep -q "unknown request 'bogus'" <<<"$out" || fail "unclear error: $out"

# A line longer than the limit: refused, and the connection goes on.
long=$(head -c 5000 /dev/zero | tr '\0' x)
out=$(ctl "$long" status)
[ "$(head -n 1 <<<"$out")" = '{"error":"request too long"}' ] ||
	fail "long line: $(head -c 200 <<<"$out")"
tail -n 1 <<<"$out" | jq -e .node >/dev/null || fail "after a long line"

# A last request without its newline, then EOF: still answered.
out=$("$CTL" -r "$SOCK" "pace")
jq -e '.pace == 1' <<<"$out" >/dev/null || fail "request at EOF: $out"

# Many clients at once.
out=$("$CTL" -p 20 "$SOCK" status pace)
[ "$(grep -c '"node":"testnode"' <<<"$out")" = 40 ] ||
	fail "20 clients: $(wc -l <<<"$out") replies"

# A client that sends thousands of requests before reading any reply: the
# agent holds back once 64 KiB of replies are unread, and resumes as they
# are read; every request is answered, in order.
reqs=()
for i in $(seq 3000); do reqs+=(pace); done
n=$(ctl "${reqs[@]}" | grep -c '"node":"testnode"')
[ "$n" = 3000 ] || fail "$n replies to 3000 pipelined requests"

# A client that floods requests and never reads its replies, and one that
# sends half a line and stops: others are served, sampling goes on.
flood=$(printf 'status\n%.0s' $(seq 15000))
t_bg stall1 "$CTL" -s "$SOCK" "$flood"
t_bg stall2 "$CTL" -s -r "$SOCK" "stat"
seq0=$(ctl status | jq .seq)
wait_for 10 status_until ".seq > $seq0 + 3"
ctl pace >/dev/null || fail "pace while stalled clients hang on"

# More clients than slots: the quietest give way, so a new client is
# always served and nobody is told "too many clients".
holders=()
for i in $(seq 40); do
	t_bg "hold$i" "$CTL" -s "$SOCK" pace
	holders+=("$LAST_PID")
done
for _ in $(seq 5); do
	r=$(ctl status)
	q "$r" .node | grep -qx testnode || fail "status with 40 holders: $r"
done
kill -0 "$AGENT_PID" || fail "pirackd died"
kill "${holders[@]}" 2>/dev/null || true
wait_for 10 status_until '.node == "testnode"'
