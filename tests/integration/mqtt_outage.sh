#!/usr/bin/env bash
# mqtt_outage.sh: the broker goes away for several sample periods and comes
# back on the same port; the agent reconnects by itself and a subscriber
# with a persistent session sees every telemetry seq, in order, and each
# sample taken during the outage exactly once.
#
# The broker keeps its sessions across the restart (persistence to a temp
# dir), so the subscriber's session, and the messages queued for it while it
# reconnects, survive: what it sees is what the agent delivered.
#
# QoS 1 is at-least-once: a sample in flight (sent, not yet acknowledged)
# on either leg at the instant the broker dies is sent again afterwards and
# may arrive twice; consumers drop the repeat by its seq. That is MQTT, not
# the agent, so the test allows exactly that and nothing more: one repeat,
# right after itself, of a sample taken before the broker died. Every
# sample taken while the broker was away must arrive exactly once, all in
# order, none missing.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
mqtt_variant_gate
start_broker --persist

# -c -i: a persistent session, QoS 1; it reconnects on its own
sub_bg tel -c -i outage-sub -q 1 -t pirack/n1/telemetry -t pirack/n1/probe
sub_ready tel pirack/n1/probe

MQTT_INTERVAL_MS=100 mqtt_conf "$T/a.conf" n1
agent_bg agent "$T/a.conf"
AGENT=$LAST_PID
seqs() { grep '^{' "$T/tel.out" | jq -r .seq; }
wait_for 15 bash -c "[ \$(grep -c '^{' '$T/tel.out') -ge 5 ]"

# away while samples flow (10 a second)
kill -TERM "$BROKER_PID"
wait_for 10 bash -c "! kill -0 $BROKER_PID"
# samples after this one were all taken while the broker was away
taken=$("$BIN/tests/tools/ctl" "$T/n1/agent.sock" status | jq .seq)
before=$(seqs | tail -n 1)
# two failed attempts after the loss (backoff 0.5 + 1 s): 15 sample
# periods and more, the next attempt 2 s later
wait_for 10 bash -c "[ \$(grep -c 'cannot connect to broker' '$T/agent.log') -ge 2 ]"
broker_up mosquitto2
wait_for 20 bash -c "[ \$(grep -c 'connected to broker' '$T/agent.log') -ge 2 ]"
# wait until the subscriber has 20 samples past the outage
wait_for 20 bash -c "[ \$(grep '^{' '$T/tel.out' | jq -r .seq | tail -n 1) -ge $((before + 40)) ]"
agent_stop_clean "$AGENT" "$T/agent.log"

seqs >"$T/seqs"
first=$(head -n 1 "$T/seqs") last=$(tail -n 1 "$T/seqs")
# repeats: only of samples taken before the broker died, right after
# themselves (the in-flight resend), at most once each
repeats=$(awk 'NR > 1 && $1 == p {print} {p = $1}' "$T/seqs" | tr '\n' ' ')
for r in $repeats; do
	[ "$r" -le "$taken" ] || fail "seq $r, taken during the outage, arrived twice"
done
[ "$(uniq "$T/seqs" | uniq -d)" = "" ] && [ "$(uniq -c "$T/seqs" | awk '$1 > 2')" = "" ] ||
	fail "telemetry repeated beyond a resend: $(tr '\n' ' ' <"$T/seqs")"
# without those, exactly first..last in order
uniq "$T/seqs" | cmp -s - <(seq "$first" "$last") ||
	fail "telemetry seq not exactly once in order: $(tr '\n' ' ' <"$T/seqs")"
[ "$first" -le 2 ] || fail "first telemetry seen was seq $first"
[ "$last" -ge $((before + 40)) ] || fail "too few samples after the outage"
echo "ok: seq $first..$last in order across the outage (last seen before $before, taken $taken; in-flight repeats: ${repeats:-none})"
