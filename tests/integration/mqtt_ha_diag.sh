#!/usr/bin/env bash
# mqtt_ha_diag.sh: diagnostic entities in Home Assistant (issue 14, finding
# 11): CPU frequency, the clock cap, load, pace and the four firmware
# flags carry entity_category diagnostic; the temperatures, the fan, the
# LED and the Identify button stay main entities. The clock cap renders
# "None" (Home Assistant's "no value") on a node without one.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
mqtt_variant_gate
start_broker

mqtt_conf "$T/a.conf" n1
agent_bg agent "$T/a.conf"
AGENT=$LAST_PID
# every retained config of n1, "topic payload" per line (mosquitto_sub
# ends its last line with "Timed out"), once the last one sent is in
dump() {
	timeout 5 mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -v \
		--retained-only -W 1 -t 'homeassistant/+/n1/+/config' \
		2>/dev/null | sed 's/Timed out$//' | grep . >"$T/configs" || true
	grep -q '^homeassistant/button/n1/identify/config ' "$T/configs"
}
wait_for 20 dump
category() {
	grep -q "^homeassistant/$1/config " "$T/configs" || { echo missing; return; }
	grep "^homeassistant/$1/config " "$T/configs" | cut -d' ' -f2- |
		jq -r '.entity_category // "none"'
}
for e in sensor/n1/cpu_freq sensor/n1/cpu_cap sensor/n1/load sensor/n1/pace \
	binary_sensor/n1/under_voltage binary_sensor/n1/freq_capped \
	binary_sensor/n1/throttled binary_sensor/n1/soft_temp_limit; do
	[ "$(category "$e")" = diagnostic ] || fail "$e: entity_category $(category "$e")"
done
for e in sensor/n1/temp sensor/n1/zone_thermal_zone0 fan/n1/fan light/n1/led \
	button/n1/identify; do
	[ "$(category "$e")" = none ] || fail "$e is not a main entity: $(category "$e")"
done
tmpl=$(grep "^homeassistant/sensor/n1/cpu_cap/config " "$T/configs" |
	cut -d' ' -f2- | jq -r .value_template)
state=$(retained pirack/n1/state)
[ "$(/usr/bin/python3 "$TOP/tests/tools/ha_render.py" "$tmpl" "$state")" = None ] ||
	fail "cpu_cap renders $(/usr/bin/python3 "$TOP/tests/tools/ha_render.py" "$tmpl" "$state") for $state"
[ "$(/usr/bin/python3 "$TOP/tests/tools/ha_render.py" "$tmpl" '{"cpu_cap_mhz":1200}')" = 1200 ] ||
	fail "cpu_cap does not render a cap"
agent_stop_clean "$AGENT" "$T/agent.log"
echo "ok: 8 diagnostic entities, 5 main ones"
