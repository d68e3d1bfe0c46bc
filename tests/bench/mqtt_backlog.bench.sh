#!/usr/bin/env bash
# mqtt_backlog.bench.sh: how fast pirackd delivers the telemetry it queued
# during a broker outage, against mosquitto_pub publishing as many
# messages of the same size at QoS 1 (the baseline, same run, same broker);
# and what the queue costs in memory per sample.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../integration/mqtt.bash"
t_init
ms() { echo $(($(date +%s%N) / 1000000)); }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

[ "$(id -u)" = 0 ] && ROOT_USER='user root' || ROOT_USER=
BROKER_PORT=$(free_port)
mkdir -p "$T/db"
cat >"$T/mosquitto.conf" <<CONF
$ROOT_USER
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $T/db/
max_queued_messages 100000
CONF
broker() { t_bg "mosquitto$1" /usr/sbin/mosquitto -c "$T/mosquitto.conf"; BROKER_PID=$LAST_PID; wait_for 10 port_open "$BROKER_PORT"; }
broker 1

sub_bg tel -c -i bench-sub -q 1 -t pirack/n1/telemetry -t pirack/n1/probe
sub_ready tel pirack/n1/probe
MQTT_INTERVAL_MS=10 mqtt_conf "$T/a.conf" n1
mqtt_agent agent "$T/a.conf"
AGENT=$LAST_PID
wait_for 15 bash -c "[ \$(grep -c '^{' '$T/tel.out') -ge 50 ]"
rss0=$(rss_kb "$AGENT")

kill -TERM "$BROKER_PID"; wait_for 10 bash -c "! kill -0 $BROKER_PID"
last_before=$(grep '^{' "$T/tel.out" | tail -n 1 | jq .seq)
# let the backlog build: about 4 s of samples at 10 ms
wait_for 30 bash -c "[ \$(grep -c 'cannot connect to broker' '$T/agent.log') -ge 4 ]"
rss1=$(rss_kb "$AGENT")
broker 2
t0=$(ms)
wait_for 30 bash -c "[ \$(grep -c 'connected to broker' '$T/agent.log') -ge 2 ]"
t_conn=$(ms)
# the backlog is what was queued up to the reconnect
target=$(( $(grep '^{' "$T/tel.out" | tail -n 1 | jq .seq) ))
wait_for 60 bash -c "grep '^{' '$T/tel.out' | tail -n 1 | jq -e '.seq > $last_before + 300' >/dev/null"
backlog_end=$(ms)
n_backlog=$(grep '^{' "$T/tel.out" | jq .seq | awk -v b="$last_before" '$1 > b' | wc -l)
size=$(grep '^{' "$T/tel.out" | tail -n 1 | wc -c)
kill -TERM "$AGENT"

# baseline: mosquitto_pub sends as many messages of that size at QoS 1
head -c $((size - 1)) /dev/zero | tr '\0' x >"$T/line"
for _ in $(seq "$n_backlog"); do cat "$T/line"; echo; done >"$T/lines"
sub_bg base -q 1 -t bench/base -C "$n_backlog"
BASE_SUB=$LAST_PID
sub_ready base bench/base
b0=$(ms)
mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t bench/base -l <"$T/lines"
wait_for 60 bash -c "! kill -0 $BASE_SUB"
b1=$(ms)

agent_ms=$((backlog_end - t_conn)); base_ms=$((b1 - b0))
printf '%-44s %10s %10s\n' metric pirackd baseline
printf '%-44s %10d %10d\n' "deliver $n_backlog x ${size}B telemetry (ms)" "$agent_ms" "$base_ms"
printf '%-44s %10s\n' "ratio pirackd/baseline" "$(awk -v a="$agent_ms" -v b="$base_ms" 'BEGIN {printf "%.2f", (b ? a / b : 0)}')"
printf '%-44s %10d\n' "reconnect after broker start (ms)" $((t_conn - t0))
printf '%-44s %10d\n' "RSS before outage (kB)" "$rss0"
printf '%-44s %10d\n' "RSS with backlog queued (kB)" "$rss1"
