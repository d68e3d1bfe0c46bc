#!/usr/bin/env bash
# pirackd's life cycle: SIGHUP reloads a good file and refuses a broken one
# (the old configuration keeps running), SIGTERM exits 0 within 1 s with
# the fan left on, --failsafe switches the fan on.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/agent_lib.sh"
agent_setup
agent_start
wait_for 10 line_is 14 0

# A good reload takes effect: a new node name and a new socket path.
sed -i "s/^name = testnode/name = renamed/" "$CONF"
kill -HUP "$AGENT_PID"
wait_for 10 status_until '.node == "renamed"'
OLD_SOCK=$SOCK
SOCK=$T/run2/agent.sock
sed -i "s|^socket = .*|socket = $SOCK|" "$CONF"
kill -HUP "$AGENT_PID"
wait_for 10 test -S "$SOCK"
# the new socket is opened before the old one goes: wait for the swap
gone() { [ ! -e "$1" ]; }
wait_for 10 gone "$OLD_SOCK"
status_until '.node == "renamed"' || fail "status on the new socket"

# A second agent on the same socket is refused before it touches the
# lines: the first one's fan stays off, and it keeps answering.
rc=0
"$BIN/pirackd" -f -c "$CONF" 2>"$T/second.log" || rc=$?
[ $rc = 1 ] || fail "a second agent exited $rc"
grep -q "another pirackd is running on it" "$T/second.log" ||
	fail "second agent: $(cat "$T/second.log")"
line_is 14 0 || fail "the second agent touched the fan line"
status_until '.node == "renamed"' || fail "the first agent lost its socket"

# A reload that moves the fan to another line re-opens the lines: the new
# one is driven, and a valid file whose lines cannot be opened is refused
# with the old lines kept.
printf '[fan]\nline = 15\n' >>"$CONF"
kill -HUP "$AGENT_PID"
wait_for 10 line_is 15 0
set_temp 65000
wait_for 10 line_is 15 1
set_temp 40000
wait_for 10 line_is 15 0
cp "$CONF" "$T/line15.conf"
: >"$T/notadir"
sed -i "s|^sim_dir = .*|sim_dir = $T/notadir|" "$CONF"
"$BIN/pirackd" -c "$CONF" --check-config >/dev/null ||
	fail "the notadir config should be valid as a file"
kill -HUP "$AGENT_PID"
wait_for 10 grep -q "reload refused: .*notadir" "$T/pirackd.log"
set_temp 65000
wait_for 10 line_is 15 1
set_temp 40000
wait_for 10 line_is 15 0
cp "$T/line15.conf" "$CONF"
# back to line 14: the [fan] keys go, the header stays (a reload refuses
# a file that lost a section the running one has: it looks cut short)
sed -i '/^\[fan\]$/,${/^\[fan\]$/!d}' "$CONF"
kill -HUP "$AGENT_PID"
set_temp 65000
wait_for 10 line_is 14 1
set_temp 40000
wait_for 10 line_is 14 0

# A broken file is refused, named with its line, and the agent keeps going
# on the old configuration (still sampling, same name, same socket).
cp "$CONF" "$T/good.conf"
printf '[fan]\non_c = 40\noff_c = 45\n' >>"$CONF"
seq0=$(ctl status | jq .seq)
kill -HUP "$AGENT_PID"
# (a wait that fails unless the refusal names file:line and the cause)
wait_for 10 grep -q "reload refused: .*agent.conf:[0-9]*: \[fan\] off_c (45) must be below on_c (40)" \
	"$T/pirackd.log"
kill -0 "$AGENT_PID" || fail "pirackd died on a bad reload"
wait_for 10 status_until ".seq > $seq0 + 2 and .node == \"renamed\""
set_temp 65000	# the old on_c (60) still rules
wait_for 10 line_is 14 1
printf '[bogus]\n' >"$CONF"
kill -HUP "$AGENT_PID"
wait_for 10 grep -q "unknown section \[bogus\]" "$T/pirackd.log"
status_until '.node == "renamed"' || fail "lost the config after [bogus]"

# SIGTERM: exit status 0 within 1 s (more on a busy machine: t_busy), the
# fan left on, the socket removed.
set_temp 40000
wait_for 10 line_is 14 0
busy=$(t_busy)
start=$(date +%s%N)
kill -TERM "$AGENT_PID"
end=$((SECONDS + 2 * busy))
while kill -0 "$AGENT_PID" 2>/dev/null && [ $SECONDS -lt $end ]; do
	sleep 0.01
done
ms=$((($(date +%s%N) - start) / 1000000))
kill -0 "$AGENT_PID" 2>/dev/null && fail "still running ${ms} ms after SIGTERM"
rc=0
wait "$AGENT_PID" || rc=$?
[ $rc = 0 ] || fail "exit status $rc after SIGTERM"
[ $ms -le $((1000 * busy)) ] || fail "took ${ms} ms to stop (bound $((1000 * busy)) ms)"
line_is 14 1 || fail "fan left at $(line 14) after a clean stop"
[ ! -e "$SOCK" ] || fail "socket left behind"

# --failsafe: fan on, exit 0, with nothing else running.
cp "$T/good.conf" "$CONF"
echo 0 >"$GPIO/gpiochip0/14"
"$BIN/pirackd" -c "$CONF" --failsafe || fail "--failsafe exit status $?"
line_is 14 1 || fail "--failsafe left the fan line at $(line 14)"
line_is 17 1 && line_is 27 0 && line_is 22 0 || fail "--failsafe LED not red"
# With active_low the wire goes low for "on".
printf '[fan]\nactive_low = true\n' >>"$CONF"
"$BIN/pirackd" -c "$CONF" --failsafe || fail "--failsafe (active_low)"
line_is 14 0 || fail "--failsafe active_low: wire $(line 14), want 0"
