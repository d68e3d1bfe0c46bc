#!/usr/bin/env bash
# mqtt_ha_cleanup.sh: Home Assistant entities follow the node (issue 14,
# finding 9): an entity an earlier run published and this one has not is
# cleared at start, a zone that disappears is cleared, and a reload with
# [fan] and [led] driver = none clears the fan, the LED light and the
# Identify button (an empty retained config: Home Assistant deletes the
# entity); another node's entities are left alone.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
mqtt_variant_gate
start_broker

D=homeassistant
pub() { mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" "$@"; }
# the retained configs under NODE (one subscription, 1 s), topic per line
configs() {
	timeout 5 mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -v \
		--retained-only -W 1 -t "$D/+/$1/+/config" 2>/dev/null |
		cut -d' ' -f1 || true
}
# every COMPONENT/n1/OBJECT given is (not) among n1's retained configs,
# from one look at the broker
has() {
	local e snap
	snap=$(configs n1)
	for e; do grep -qx "$D/$e/config" <<<"$snap" || return 1; done
}
gone() {
	local e snap
	snap=$(configs n1)
	for e; do ! grep -qx "$D/$e/config" <<<"$snap" || return 1; done
}
others() {
	[ "$(configs n10)" = "$D/sensor/n10/temp/config" ] &&
		[ "$(configs n1x)" = "$D/sensor/n1x/temp/config" ]
}

# what an earlier run of n1 left (a zone since removed, an old object),
# and what n10 and n1x have (names that n1's topics must not match)
pub -r -t "$D/sensor/n1/zone_thermal_zone7/config" -m '{"unique_id":"old"}'
pub -r -t "$D/switch/n1/old_object/config" -m '{"unique_id":"old2"}'
pub -r -t "$D/sensor/n10/temp/config" -m '{"unique_id":"pirack_n10_temp"}'
pub -r -t "$D/sensor/n1x/temp/config" -m '{"unique_id":"pirack_n1x_temp"}'
has sensor/n1/zone_thermal_zone7 switch/n1/old_object ||
	fail "the broker did not keep the stale configs"

mqtt_conf "$T/a.conf" n1
fake_zone "$T/n1/sys" thermal_zone1 41000
agent_bg agent "$T/a.conf"
AGENT=$LAST_PID

# at start: the current entities are there, the stale ones cleared
wait_for 20 has fan/n1/fan sensor/n1/temp sensor/n1/zone_thermal_zone0 \
	sensor/n1/zone_thermal_zone1 light/n1/led button/n1/identify
wait_for 15 gone sensor/n1/zone_thermal_zone7 switch/n1/old_object
[ "$(configs n1 | wc -l)" = 16 ] ||
	fail "n1 has $(configs n1 | wc -l) entities, not 16: $(configs n1)"
grep -q "zone_thermal_zone7/config: removed" "$T/agent.log" ||
	fail "the removal is not logged"

# a zone disappears: its sensor goes, the others stay
rm -r "$T/n1/sys/class/thermal/thermal_zone1"
wait_for 15 gone sensor/n1/zone_thermal_zone1
has sensor/n1/zone_thermal_zone0 || fail "zone0's sensor went too"

# a reload without fan and LED: their entities go, the sensors stay
sed -i 's/^driver = gpio$/driver = none/' "$T/a.conf"
kill -HUP "$AGENT"
wait_for 15 gone fan/n1/fan light/n1/led button/n1/identify
has sensor/n1/temp || fail "the temperature sensor went with the fan"
grep -q 'reload: changed \[fan\] driver, \[led\] driver; re-requesting the fan/LED lines; sending discovery again' \
	"$T/agent.log" || fail "the reload does not say what it redoes: $(grep 'reload:' "$T/agent.log")"
# neither a reconnect nor a second connection's worth of greetings
[ "$(grep -c 'connected to broker' "$T/agent.log")" = 1 ] ||
	fail "the reload reconnected to the broker"

# not ours: other nodes' entities are untouched
others || fail "n1 cleared another node's entity: n10 $(configs n10), n1x $(configs n1x)"
agent_stop_clean "$AGENT" "$T/agent.log"
echo "ok: stale entities cleared at start, a zone and the fan/LED entities at reload"
