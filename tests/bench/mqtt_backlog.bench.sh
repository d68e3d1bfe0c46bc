#!/usr/bin/env bash
# mqtt_backlog.bench.sh: after a broker outage, how fast pirackd delivers
# the telemetry it queued, against mosquitto_pub publishing as many
# messages of the same size at QoS 1 to the same broker (the baseline, same
# run); and what the queue costs in memory per sample.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
ms() { echo $(($(date +%s%N) / 1000000)); }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
last_seq() { grep '^{' "$T/tel.out" | tail -n 1 | jq .seq; }
# polls every 10 ms: the times measured are a few hundred ms
until_true() { local end=$(($(ms) + $1 * 1000)); shift
	until "$@"; do [ "$(ms)" -lt $end ] || fail "timed out: $*"; sleep 0.01; done; }

start_broker --persist 'max_queued_messages 100000'

sub_bg tel -c -i bench-sub -q 1 -t pirack/n1/telemetry -t pirack/n1/probe
sub_ready tel pirack/n1/probe
MQTT_INTERVAL_MS=10 mqtt_conf "$T/a.conf" n1
agent_bg agent "$T/a.conf"
AGENT=$LAST_PID
wait_for 15 bash -c "[ \$(grep -c '^{' '$T/tel.out') -ge 100 ]"
rss0=$(rss_kb "$AGENT")

kill -TERM "$BROKER_PID"; wait_for 10 bash -c "! kill -0 $BROKER_PID"
before=$(last_seq)
# three failed attempts (0.5 + 1 + 2 s): the next comes 4 s later
wait_for 30 bash -c "[ \$(grep -c 'cannot connect to broker' '$T/agent.log') -ge 3 ]"
rss1=$(rss_kb "$AGENT")
q1=$(( $("$BIN/tests/tools/ctl" "$T/n1/agent.sock" status | jq .seq) - before ))
broker_up mosquitto2
connected() { [ "$(grep -c 'connected to broker' "$T/agent.log")" -ge 2 ]; }
until_true 30 connected
t_conn=$(ms)
# the state is published at the reconnect: its seq is the queue's end
S=$(timeout 5 mosquitto_sub -p "$BROKER_PORT" -t pirack/n1/state -C 1 -W 3 | jq .seq)
caught_up() { [ "$(last_seq)" -ge "$S" ]; }
until_true 60 caught_up
t_done=$(ms)
n=$((S - before))
size=$(grep '^{' "$T/tel.out" | tail -n 1 | wc -c)
kill -TERM "$AGENT"

# baseline: mosquitto_pub sends n messages of that size at QoS 1
head -c $((size - 1)) /dev/zero | tr '\0' x >"$T/line"
for _ in $(seq "$n"); do cat "$T/line"; echo; done >"$T/lines"
sub_bg base -q 1 -t bench/base -C "$n"
BASE_SUB=$LAST_PID
sub_ready base bench/base
b0=$(ms)
mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t bench/base -l <"$T/lines"
base_done() { ! kill -0 "$BASE_SUB" 2>/dev/null; }
until_true 60 base_done
b1=$(ms)

agent_ms=$((t_done - t_conn)) base_ms=$((b1 - b0))
printf '%-46s %9s %9s\n' metric pirackd baseline
printf '%-46s %9d %9d\n' "deliver $n queued ${size}-byte samples (ms)" "$agent_ms" "$base_ms"
printf '%-46s %9s\n' "ratio pirackd/baseline" \
	"$(awk -v a="$agent_ms" -v b="$base_ms" 'BEGIN {printf "%.2f", a / (b ? b : 1)}')"
printf '%-46s %9d\n' "agent RSS before the outage (kB)" "$rss0"
printf '%-46s %9d\n' "agent RSS with $q1 samples queued (kB)" "$rss1"
printf '%-46s %9d\n' "queue cost per sample (bytes, RSS growth)" $(((rss1 - rss0) * 1024 / (q1 > 0 ? q1 : 1)))
