#!/usr/bin/env bash
# rack_status.bench.sh: how long pirack status takes to show a 64-node rack
# (retained state and availability of every node on a throw-away broker),
# against mosquitto_sub collecting the same 128 retained messages and
# exiting: the floor of any MQTT client. Also pirack hosts --apply and
# agent-config for 64 nodes against cat of the rack file. hyperfine, same
# run, ratios printed.
source "$(dirname "$0")/../lib.sh"
t_init
command -v hyperfine >/dev/null || fail "hyperfine is not installed (deploy/deps.sh --bench)"
P=$BIN/pirack
[ -x "$P" ] || fail "no $P: run make first"
start_broker
N=64

{
	printf '[rack]\nbroker = 127.0.0.1\nmqtt_port = %s\ninterval_ms = 600000\n' "$BROKER_PORT"
	for i in $(seq 0 $((N - 1))); do
		printf '[rpi-%d]\naddress = 10.1.%d.%d\n' "$i" $((i / 250)) $((i % 250 + 1))
	done
} >"$T/rack.conf"
now=$(date +%s)
for i in $(seq 0 $((N - 1))); do
	printf -- '-t\npirack/rpi-%d/state\n-m\n{"node":"rpi-%d","ts":%s,"temp_c":55.5,"fan":"on","fan_mode":"auto","led":"ok","pace":0.9,"throttled":{"raw":0}}\n' \
		"$i" "$i" "$now" >"$T/pub"
	mapfile -t args <"$T/pub"
	mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -r -q 1 "${args[@]}"
	mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -r -q 1 \
		-t "pirack/rpi-$i/availability" -m online
done
"$P" -r "$T/rack.conf" status >/dev/null || fail "status does not see all $N nodes"

hyperfine -N --warmup 3 --runs 30 --export-json "$T/status.json" \
	-n mosquitto_sub "mosquitto_sub -h 127.0.0.1 -p $BROKER_PORT -t pirack/+/state -t pirack/+/availability -C $((2 * N)) -W 10" \
	-n "pirack status" "$P -r $T/rack.conf status --timeout 10" >/dev/null
cp /etc/hosts "$T/hosts" 2>/dev/null || : >"$T/hosts"
"$P" -r "$T/rack.conf" hosts --apply "$T/hosts" >/dev/null
hyperfine -N --warmup 3 --runs 50 --export-json "$T/gen.json" \
	-n cat "cat $T/rack.conf" \
	-n "hosts --apply" "$P -r $T/rack.conf hosts --apply $T/hosts" \
	-n "agent-config" "$P -r $T/rack.conf agent-config rpi-63" >/dev/null

jq -r '.results | (.[0].mean) as $b | .[] |
	"\(.command)\t\(.mean * 1000 | . * 100 | round / 100) ms\t\(.mean / $b | . * 100 | round / 100)x"' \
	"$T/status.json" "$T/gen.json" |
	awk -F'\t' 'BEGIN { printf "%-16s %12s %8s\n", "command", "mean", "ratio" }
		    { printf "%-16s %12s %8s\n", $1, $2, $3 }'
echo "($N nodes; ratios against the first row of each group: mosquitto_sub, cat)"
