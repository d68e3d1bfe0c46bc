#!/usr/bin/env bash
# mqtt_ha_names.sh: one node name, one node in MQTT and Home Assistant
# (issue 14, finding 12). A name is its own id in topics and unique_ids, so
# a name with a '.' (which Home Assistant ids cannot hold, and which once
# became '_': rpi.4 and rpi_4 were one device) is refused with FILE:LINE
# naming it, at start and at reload; rpi_4 and rpi-4 run side by side with
# disjoint entities, neither clearing the other's.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
mqtt_variant_gate
start_broker

# refused at start: exit 2, the file and line, the name; nothing published
mqtt_conf "$T/dot.conf" rpi.4
rc=0
"$BIN/pirackd" --check-config -c "$T/dot.conf" 2>"$T/check.err" || rc=$?
[ $rc = 2 ] || fail "--check-config took rpi.4 (exit $rc)"
line=$(grep -n '^name = rpi.4$' "$T/dot.conf" | cut -d: -f1)
grep -q "dot.conf:$line: \[node\] name 'rpi.4' must be letters, digits, '_' or '-'" \
	"$T/check.err" || fail "no FILE:LINE error naming rpi.4: $(cat "$T/check.err")"
rc=0
t_timeout 10 "$BIN/pirackd" -f -c "$T/dot.conf" 2>"$T/start.err" || rc=$?
[ $rc = 2 ] || fail "pirackd started as rpi.4 (exit $rc)"

# two names one character apart: two devices, disjoint entities
mqtt_conf "$T/u.conf" rpi_4
mqtt_conf "$T/h.conf" rpi-4
agent_bg u "$T/u.conf"
U=$LAST_PID
agent_bg h "$T/h.conf"
H=$LAST_PID
configs() {
	timeout 5 mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -v \
		--retained-only -W 1 -t "homeassistant/+/$1/+/config" \
		2>/dev/null | sed 's/Timed out$//' | grep . | cut -d' ' -f2- || true
}
both_up() {
	[ "$(configs rpi_4 | wc -l)" -ge 12 ] && [ "$(configs rpi-4 | wc -l)" -ge 12 ]
}
wait_for 20 both_up
configs rpi_4 | jq -r .unique_id | sort >"$T/u.ids"
configs rpi-4 | jq -r .unique_id | sort >"$T/h.ids"
[ -z "$(comm -12 "$T/u.ids" "$T/h.ids")" ] ||
	fail "shared unique_ids: $(comm -12 "$T/u.ids" "$T/h.ids" | tr '\n' ' ')"
configs rpi_4 | jq -e -s 'all(.device.identifiers == ["pirack_rpi_4"] and
	.device.name == "rpi_4" and .availability_topic == "pirack/rpi_4/availability")' \
	>/dev/null || fail "rpi_4's entities are not all its own"
configs rpi-4 | jq -e -s 'all(.device.identifiers == ["pirack_rpi-4"])' \
	>/dev/null || fail "rpi-4's entities are not all its own"

# renaming rpi_4 to rpi.4 by reload: refused, rpi_4 keeps running
sed -i 's/^name = rpi_4$/name = rpi.4/' "$T/u.conf"
kill -HUP "$U"
wait_for 10 grep -q "reload refused: .*name 'rpi.4'" "$T/u.log"
"$CTL" "$T/rpi_4/agent.sock" status | jq -e '.node == "rpi_4"' >/dev/null ||
	fail "rpi_4 did not keep its name"

# a restart of each (its start-up clearing) leaves the other's entities
agent_stop_clean "$H" "$T/h.log"
agent_bg h2 "$T/h.conf"
H=$LAST_PID
wait_for 20 grep -q 'connected to broker' "$T/h2.log"
wait_for 20 both_up
! grep -q 'removed' "$T/u.log" "$T/h.log" "$T/h2.log" ||
	fail "a node cleared entities: $(grep -h removed "$T"/*.log)"
agent_stop_clean "$U" "$T/u.log"
agent_stop_clean "$H" "$T/h2.log"
echo "ok: rpi.4 refused with FILE:LINE, rpi_4 and rpi-4 two devices"
