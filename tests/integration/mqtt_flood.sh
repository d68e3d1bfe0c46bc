#!/usr/bin/env bash
# mqtt_flood.sh (issue 14, findings 6 and 8): a burst of 10,000 fan/set
# commands does not hold telemetry back (commands coalesce, the last word
# wins); and telemetry lost to a full queue in an outage is counted in
# the state JSON (telemetry.dropped, .queued), not only in the log.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
mqtt_variant_gate
start_broker

MQTT_INTERVAL_MS=100 mqtt_conf "$T/a.conf" n1 queue_kib=16
agent_bg agent "$T/a.conf"
AGENT=$LAST_PID
SOCK=$T/n1/agent.sock
status() { "$CTL" "$SOCK" status; }
wait_for 15 bash -c "[ \"\$(timeout 5 mosquitto_sub -p $BROKER_PORT -t pirack/n1/availability -C 1 -W 2)\" = online ]"
sub_bg tel -t pirack/n1/telemetry -t pirack/n1/probe
sub_ready tel pirack/n1/probe
last_seq() { grep '^{' "$T/tel.out" | tail -n 1 | jq .seq; }
wait_for 10 bash -c "[ \$(grep -c '^{' '$T/tel.out') -ge 3 ]"

# 8. 10,000 commands, alternating, the last one OFF
for i in $(seq 5000); do echo ON; echo OFF; done >"$T/burst"
seq0=$(last_seq)
mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -t pirack/n1/fan/set -l <"$T/burst"
# telemetry keeps flowing (10 a second): 20 more samples well inside the
# deadline; before, the burst held it back for about 35 s
wait_for 10 bash -c "[ \$(grep '^{' '$T/tel.out' | tail -n 1 | jq .seq) -ge $((seq0 + 20)) ]"
# and the last word is what the fan obeys
wait_for 10 bash -c "$CTL '$SOCK' status | jq -e '.fan == \"off\" and .fan_mode == \"manual\"'"
kill -0 "$AGENT" || fail "pirackd died in the burst"

# 6. an outage longer than a 16 KiB queue holds: drops are in the state
q0=$(status | jq .telemetry.dropped)
[ "$q0" = 0 ] || fail "dropped before any outage: $q0"
kill -TERM "$BROKER_PID"
wait_for 10 bash -c "! kill -0 $BROKER_PID"
wait_for 30 bash -c "$CTL '$SOCK' status | jq -e '.telemetry.dropped > 0 and .telemetry.queued > 0'"
broker_up mosquitto2
wait_for 30 bash -c "$CTL '$SOCK' status | jq -e '.telemetry.queued == 0'"
# the retained state says so too, for Home Assistant and pirack status
wait_for 10 bash -c "timeout 5 mosquitto_sub -p $BROKER_PORT -t pirack/n1/state -C 1 -W 2 | jq -e '.telemetry.dropped > 0'"
agent_stop_clean "$AGENT" "$T/agent.log"
echo "ok: telemetry flowed through 10k commands; $(grep -c 'dropped' "$T/agent.log") drop reports, counted in the state"
