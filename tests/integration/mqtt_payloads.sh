#!/usr/bin/env bash
# mqtt_payloads.sh: state, telemetry, availability and discovery payloads
# reach a real broker; retained state reaches a late subscriber; a clean
# shutdown leaves "offline".
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
mqtt_variant_gate
start_broker

sub_bg all -v -t 'pirack/#' -t 'homeassistant/#'
sub_ready all pirack/probe
mqtt_conf "$T/a.conf" n1
agent_bg agent "$T/a.conf"
AGENT=$LAST_PID

# telemetry: QoS 1 samples with contiguous seq
wait_for 15 bash -c "[ \$(grep -c '^pirack/n1/telemetry ' '$T/all.out') -ge 3 ]"
grep '^pirack/n1/telemetry ' "$T/all.out" | cut -d' ' -f2- >"$T/tel.json"
jq -e -s 'map(.seq) as $s | ($s | length) >= 3 and
	([range(1; $s | length)] | all($s[.] == $s[. - 1] + 1))' \
	"$T/tel.json" >/dev/null || fail "telemetry seq not contiguous: $(jq -c .seq "$T/tel.json" | tr '\n' ' ')"

# state: one JSON object with every documented field
state=$(grep '^pirack/n1/state ' "$T/all.out" | tail -n 1 | cut -d' ' -f2-)
echo "$state" | jq -e '.node == "n1" and (.ts | type) == "number" and
	(.seq | type) == "number" and .temp_c == 40 and
	.zones.thermal_zone0 == 40 and .fan == "off" and .fan_mode == "auto" and
	(.led | type) == "string" and (.pace | type) == "number" and
	has("throttled") and has("cpu_freq_mhz") and has("load1") and
	has("job")' >/dev/null || fail "bad state payload: $state"

# availability: online, retained
[ "$(retained pirack/n1/availability)" = online ] || fail "availability is not retained online"

# a late subscriber still gets the state, retained
late=$(retained pirack/n1/state)
echo "$late" | jq -e '.node == "n1"' >/dev/null || fail "no retained state for a late subscriber: $late"

# discovery: every config parses, has unique_id, device and availability
wait_for 10 grep -q '^homeassistant/button/n1/identify/config ' "$T/all.out"
grep '^homeassistant/.*/config ' "$T/all.out" >"$T/disc.txt"
n=$(wc -l <"$T/disc.txt")
[ "$n" -ge 10 ] || fail "only $n discovery payloads"
while read -r topic payload; do
	echo "$payload" | jq -e '(.unique_id | type) == "string" and
		(.device.identifiers | length) > 0 and .device.name == "n1" and
		.availability_topic == "pirack/n1/availability"' >/dev/null ||
		fail "discovery $topic incomplete: $payload"
done <"$T/disc.txt"
[ "$(cut -d' ' -f2- "$T/disc.txt" | jq -r .unique_id | sort | uniq -d)" = "" ] ||
	fail "duplicate unique_id in discovery"
for t in sensor/n1/temp sensor/n1/zone_thermal_zone0 binary_sensor/n1/under_voltage fan/n1/fan; do
	grep -q "^homeassistant/$t/config " "$T/disc.txt" || fail "no discovery for $t"
done
retained homeassistant/fan/n1/fan/config | jq -e '.command_topic == "pirack/n1/fan/set"' >/dev/null ||
	fail "fan discovery is not retained"

# Home Assistant's birth message brings the discovery again
before=$(grep -c '^homeassistant/fan/n1/fan/config ' "$T/all.out")
mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -t homeassistant/status -m online
wait_for 10 bash -c "[ \$(grep -c '^homeassistant/fan/n1/fan/config ' '$T/all.out') -gt $before ]"

# clean shutdown: "offline" published, retained
agent_stop_clean "$AGENT" "$T/agent.log"
[ "$(retained pirack/n1/availability)" = offline ] || fail "no retained offline after shutdown"
echo "ok: $n discovery payloads, telemetry contiguous, retained state and availability"
