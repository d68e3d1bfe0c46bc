#!/usr/bin/env bash
# pirackd under attack (issue 14, findings 1-5 and 7): a sensor file that
# blocks, descriptor exhaustion, clients that hold every slot, invalid
# UTF-8, implausible readings and config files cut short. Every phase
# checks the one thing that matters: the fan is driven and the agent
# answers.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/agent_lib.sh"
HOLD=$BIN/tests/tools/hold
agent_setup fan.on_c=60 fan.off_c=50
agent_start
wait_for 10 line_is 14 0

zone=$SYS/class/thermal/thermal_zone0/temp
fault_fan_on() {	# the status says fault, the fan line is on
	status_until '.fault == true and .fan == "on" and .led == "fault"' &&
		line_is 14 1
}

# 1. A FIFO where the zone's temp file was: before, open() blocked the
# loop for good (fan 0, socket dead, SIGTERM ignored). Now it is a fault.
rm -f "$zone"; mkfifo "$zone"
wait_for 10 fault_fan_on
r=$(ctl status)
q "$r" .fault_msg | grep -q "not a regular file" || fail "fault_msg: $r"
rm -f "$zone"; set_temp 40000
wait_for 10 status_until '.fault == false and .fan == "off"'

# 5. Implausible or garbled readings are faults, not temperatures.
for bad in -40000 200000; do
	set_temp "$bad"
	wait_for 10 fault_fan_on
	q "$(ctl status)" .fault_msg | grep -q implausible ||
		fail "$bad: $(ctl status)"
	set_temp 40000
	wait_for 10 status_until '.fault == false'
done
printf '40000\0 85000\n' >"$zone.tmp"; mv "$zone.tmp" "$zone"
wait_for 10 fault_fan_on
q "$(ctl status)" .fault_msg | grep -q "NUL" || fail "NUL: $(ctl status)"
set_temp 40000
wait_for 10 status_until '.fault == false and .fan == "off"'

# 3. Every slot held by a silent client, then by clients trickling a
# byte at a time: a well-behaved request is still answered each time.
t_bg silent "$HOLD" 32 "$SOCK"
wait_for 10 grep -q ready "$T/silent.log"
for _ in 1 2 3; do
	ctl status >/dev/null || fail "status refused with 32 silent clients"
done
kill "$LAST_PID"
t_bg trickle "$HOLD" -b 100 32 "$SOCK"
wait_for 10 grep -q ready "$T/trickle.log"
for _ in $(seq 10); do
	ctl status >/dev/null || fail "status refused with 32 trickling clients"
done
kill -0 "$AGENT_PID" || fail "pirackd died"
kill "$LAST_PID"

# 4. Invalid UTF-8 never reaches status (or MQTT): refused with a reason.
r=$(printf 'report {"job":"\xff\xfe"}' | xargs -0 "$CTL" "$SOCK")
q "$r" .error | grep -q "not valid UTF-8" || fail "invalid UTF-8 taken: $r"
ctl status | jq -e . >/dev/null || fail "status is not valid JSON"

# 7. A file cut short is refused on reload; the running one stays.
refusals() { grep -c "reload refused" "$T/pirackd.log" || true; }
more_refusals() { [ "$(refusals)" -gt "$1" ]; }
cp "$CONF" "$T/full.conf"
n=$(wc -l <"$CONF")
for keep in $(seq 0 $((n - 1))); do
	head -n "$keep" "$T/full.conf" >"$CONF"
	# only prefixes that lose a section header are cut short for sure
	[ "$(grep -c '^\[' "$CONF")" -lt "$(grep -c '^\[' "$T/full.conf")" ] ||
		continue
	before=$(refusals)
	kill -HUP "$AGENT_PID"
	wait_for 10 more_refusals "$before"
done
grep -q "empty (no section, no key)" "$T/pirackd.log" ||
	fail "the empty file was not refused as empty"
printf '[node]\nname = cut' >"$CONF"	# mid-line, no newline
kill -HUP "$AGENT_PID"
wait_for 10 grep -q "last line has no newline" "$T/pirackd.log"
status_until '.node == "testnode"' || fail "a cut file was taken"
cp "$T/full.conf" "$CONF"

# 2. Out of descriptors: accept fails, the loop neither spins nor floods
# the log, and the fan still follows the temperature.
agent_stop_clean "$AGENT_PID" "$T/pirackd.log"
SOCK=$T/run3/agent.sock
sed -i "s|^socket = .*|socket = $SOCK|" "$CONF"
t_bg pirackd2 bash -c "ulimit -n 24; exec '$BIN/pirackd' -f -c '$CONF'"
AGENT_PID=$LAST_PID
wait_for 10 ctl status
t_bg flood "$HOLD" 40 "$SOCK"
wait_for 10 grep -q "cannot accept" "$T/pirackd2.log"
set_temp 85000
wait_for 10 line_is 14 1
set_temp 40000
wait_for 10 line_is 14 0
[ "$(grep -c "cannot accept" "$T/pirackd2.log")" = 1 ] ||
	fail "the descriptor shortage was logged more than once"
kill "$LAST_PID"
wait_for 10 ctl status
echo "ok: blocked reads, lockouts, bad bytes, cut files and fd exhaustion held"
