#!/usr/bin/env bash
# mqtt_commands.sh: fan/set and led/set act at once (not at the next tick);
# garbage payloads are rejected, logged and change nothing.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
mqtt_variant_gate
start_broker

# a long sample period: a reaction within 1 s cannot be the next tick
MQTT_INTERVAL_MS=5000 mqtt_conf "$T/a.conf" n1
agent_bg agent "$T/a.conf"
AGENT=$LAST_PID
GPIO=$T/n1/gpio	# line 14: the fan
wait_for 15 bash -c "[ \"\$(timeout 5 mosquitto_sub -p $BROKER_PORT -t pirack/n1/availability -C 1 -W 2)\" = online ]"
wait_for 10 line_is 14 0
sub_bg st -t pirack/n1/state -t pirack/n1/probe
sub_ready st pirack/n1/probe
# the newest state the subscriber has seen
state() { grep '^{' "$T/st.out" | tail -n 1; }
nstates() { grep -c '^{' "$T/st.out"; }

pub() { mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -t "pirack/n1/$1" "${@:2}"; }
rejections() { grep -c 'rejected payload' "$T/agent.log" || true; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# garbage first: each is rejected and logged, the fan stays in auto/off.
# Commands of one topic coalesce (the last word wins, issue 14), so each
# piece waits for the one before it to be refused: none is replaced.
bad() {
	local n; n=$(rejections)
	pub "$@"
	wait_for 10 bash -c "[ \$(grep -c 'rejected payload' '$T/agent.log' || true) -gt $n ]"
}
printf 'O\0N' >"$T/nul.bin"
head -c 300 /dev/zero | tr '\0' 'A' >"$T/long.txt"
bad fan/set -n
bad fan/set -m 'ONN'
bad fan/set -m 'ON '
bad fan/set -m 'on; reboot'
bad fan/set -m '{"state":"ON"}'
bad fan/set -m '150'
bad fan/set -m '-1'
bad fan/set -m '50'		# a number needs a pwm fan; this one is gpio
bad fan/set -f "$T/nul.bin"
bad fan/set -f "$T/long.txt"
bad led/set -m 'BLINK'
bad led/set -m 'ÍDENTIFY'
wait_for 10 bash -c "[ \$(grep -c 'rejected payload' '$T/agent.log') -ge 12 ]"
kill -0 "$AGENT" || fail "agent died on garbage"
line_is 14 0 || fail "garbage turned the fan on"
jq -e '.fan_mode == "auto" and .fan == "off"' <<<"$(state)" >/dev/null ||
	fail "garbage changed the state: $(state)"
grep -q 'pirack/n1/fan/set: rejected payload "O\\x00N"' "$T/agent.log" ||
	fail "rejection of a NUL payload not logged legibly"

# ON at 40 °C: the line goes to 1 within a second, the state follows at once
nstate=$(nstates)
t0=$(now_ms)
pub fan/set -m ON
until line_is 14 1; do
	[ $(($(now_ms) - t0)) -lt 1000 ] || fail "fan line not 1 within 1 s of fan/set ON"
	sleep 0.02
done
echo "fan on after $(($(now_ms) - t0)) ms"
wait_for 2 bash -c "[ \$(grep -c '^{' '$T/st.out') -gt $nstate ]"
jq -e '.fan == "on" and .fan_mode == "manual"' <<<"$(state)" >/dev/null ||
	fail "state after ON: $(state)"

# more garbage: still on
n=$(rejections)
pub fan/set -m 'OF'
wait_for 10 bash -c "[ \$(grep -c 'rejected payload' '$T/agent.log') -gt $n ]"
line_is 14 1 || fail "garbage turned the fan off"

# case-insensitive; auto at 40 °C turns it off again
pub fan/set -m auto
wait_for 2 line_is 14 0
pub fan/set -m Off
wait_for 2 bash -c "grep '^{' '$T/st.out' | tail -n 1 | jq -e '.fan_mode == \"manual\" and .fan == \"off\"'"

# identify
pub led/set -m identify
wait_for 2 bash -c "grep '^{' '$T/st.out' | tail -n 1 | jq -e '.led == \"identify\"'"
agent_stop_clean "$AGENT" "$T/agent.log"
echo "ok: $(rejections) payloads rejected"
