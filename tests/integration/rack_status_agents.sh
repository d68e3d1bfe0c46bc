#!/usr/bin/env bash
# rack_status_agents.sh: pirack status against a real broker and two real
# agents (fake sysfs thermal zones, sim GPIO), their configs made by pirack
# agent-config: the rows carry the agents' temperatures and states; an
# agent killed with SIGKILL shows offline (its last will).
source "$(dirname "$0")/../lib.sh"
t_init
P=$BIN/pirack
D=$BIN/pirackd
t_variants plain asan -- "the agents use the sim GPIO backend: nothing new in variant ${PIRACK_VARIANT:-plain}"
[ -x "$D" ] || fail "$D is not built"
command -v mosquitto_sub >/dev/null || fail "mosquitto-clients not installed"
command -v jq >/dev/null || fail "jq not installed"
start_broker

cat >"$T/rack.conf" <<CONF
[rack]
broker = 127.0.0.1
mqtt_port = $BROKER_PORT
interval_ms = 200
mqtt_keepalive_s = 5
gpio_backend = sim
gpio_sim_dir = $T/gpio
[n1]
address = 10.0.0.1
sysfs_root = $T/sys1
control_socket = $T/n1.sock
[n2]
address = 10.0.0.2
sysfs_root = $T/sys2
control_socket = $T/n2.sock
CONF
fake_zone "$T/sys1" thermal_zone0 45000
fake_zone "$T/sys2" thermal_zone0 65000
mkdir -p "$T/gpio"
declare -A PID
for n in n1 n2; do
	"$P" -r "$T/rack.conf" agent-config $n >"$T/$n.conf" || fail "agent-config $n"
	"$D" --check-config -c "$T/$n.conf" || fail "pirackd refuses $n's config"
	t_bg "$n" "$D" -f -c "$T/$n.conf"
	PID[$n]=$LAST_PID
done

retained() {	# topic: the retained payload, or nothing
	mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t "$1" -C 1 -W 2 2>/dev/null || true
}
states_seen() {
	[ "$(retained pirack/n1/availability)" = online ] &&
	[ "$(retained pirack/n2/availability)" = online ] &&
	[ -n "$(retained pirack/n1/state)" ] && [ -n "$(retained pirack/n2/state)" ]
}
end=$((SECONDS + 20))
until states_seen; do
	[ $SECONDS -lt $end ] || fail "the agents published no state within 20 s"
	for n in n1 n2; do
		kill -0 "${PID[$n]}" 2>/dev/null || fail "agent $n died"
	done
	sleep 0.2
done

status_json() { "$P" -r "$T/rack.conf" status --json --timeout 5 >"$T/json" || true; }
rows_match() {
	status_json
	[ "$(jq -r 'map(.node + "=" + .status) | join(" ")' "$T/json")" = "n1=online n2=online" ] &&
	jq -e '(.[0].state.temp_c - 45 | fabs) < 0.01 and
	       (.[1].state.temp_c - 65 | fabs) < 0.01' "$T/json" >/dev/null
}
wait_for 20 rows_match
# the row is the agent's own retained state, field for field
retained pirack/n2/state >"$T/n2.state"
jq -e --slurpfile s "$T/n2.state" '.[1].state.node == $s[0].node and
	.[1].state.fan == $s[0].fan and .[1].state.led == $s[0].led' \
	"$T/json" >/dev/null || fail "n2's row differs from its state"
"$P" -r "$T/rack.conf" status --timeout 5 | tee "$T/table"
grep -q '^n2  *online  *65.0C' "$T/table" || fail "n2's table row"

kill -KILL "${PID[n2]}"
n2_offline() {
	status_json
	[ "$(jq -r 'map(.node + "=" + .status) | join(" ")' "$T/json")" = "n1=online n2=offline" ]
}
# the broker sends the will after 1.5 keepalives (5 s) at most
wait_for 90 n2_offline
rc=0
"$P" -r "$T/rack.conf" status --timeout 5 >"$T/table" || rc=$?
cat "$T/table"
[ $rc = 1 ] || fail "status exited $rc with a node offline"
grep -q '^n2  *offline' "$T/table" || fail "n2 not shown offline"
echo ok
