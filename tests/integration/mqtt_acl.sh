#!/usr/bin/env bash
# mqtt_acl.sh: with the sample ACL (config/mosquitto/pirack.acl), a client
# logged in as node A cannot command node B; it can command itself, and
# Home Assistant can command both.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
mqtt_variant_gate

touch "$T/passwd"
for u in na nb homeassistant; do
	mosquitto_passwd -b "$T/passwd" "$u" "pw-$u"
	printf 'pw-%s\n' "$u" >"$T/$u.pw"
	chmod 600 "$T/$u.pw"
done
[ "$(id -u)" = 0 ] && ROOT_USER='user root' || ROOT_USER=
BROKER_PORT=$(free_port)
cat >"$T/mosquitto.conf" <<CONF
$ROOT_USER
per_listener_settings false
allow_anonymous false
password_file $T/passwd
acl_file $TOP/config/mosquitto/pirack.acl
listener $BROKER_PORT 127.0.0.1
persistence false
CONF
t_bg mosquitto /usr/sbin/mosquitto -c "$T/mosquitto.conf"
wait_for 10 port_open "$BROKER_PORT"

for n in na nb; do
	MQTT_INTERVAL_MS=5000 mqtt_conf "$T/$n.conf" "$n" username="$n" password_file="$T/$n.pw"
	agent_bg "$n" "$T/$n.conf"
done
as() { local u=$1; shift; mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -u "$u" -P "pw-$u" "$@"; }
sub() { timeout 5 mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -u homeassistant -P pw-homeassistant "$@"; }
for n in na nb; do
	wait_for 15 bash -c "[ \"\$(timeout 5 mosquitto_sub -h 127.0.0.1 -p $BROKER_PORT \
		-u homeassistant -P pw-homeassistant -t pirack/$n/availability -C 1 -W 2)\" = online ]"
	# the node may publish its discovery: Home Assistant sees it
	sub -t "homeassistant/fan/$n/fan/config" -C 1 -W 3 | jq -e .unique_id >/dev/null ||
		fail "discovery of $n did not pass the ACL"
	wait_for 10 node_line $n 14 0
done

# A commands B: dropped by the broker. Then Home Assistant identifies B:
# once B shows that, B has had every message sent before it.
as na -t pirack/nb/fan/set -m ON
as na -t pirack/nb/led/set -m IDENTIFY
as na -r -t homeassistant/fan/nb/fan/config -m '{"name":"forged"}'
as homeassistant -t pirack/nb/led/set -m IDENTIFY
wait_for 10 bash -c "timeout 5 mosquitto_sub -h 127.0.0.1 -p $BROKER_PORT -u homeassistant \
	-P pw-homeassistant -t pirack/nb/state -C 1 -W 3 | jq -e '.led == \"identify\"'"
node_line nb 14 0 || fail "node A turned node B's fan on"
! grep -q 'fan/set' "$T/nb.log" || fail "node B saw a command from node A: $(grep fan/set "$T/nb.log")"
sub -t homeassistant/fan/nb/fan/config -C 1 -W 3 | jq -e '.name == "Fan"' >/dev/null ||
	fail "node A overwrote node B's discovery"

# A may command itself; Home Assistant may command B
as na -t pirack/na/fan/set -m ON
wait_for 5 node_line na 14 1
as homeassistant -t pirack/nb/fan/set -m ON
wait_for 5 node_line nb 14 1
echo "ok: the sample ACL keeps node A off node B's topics"
