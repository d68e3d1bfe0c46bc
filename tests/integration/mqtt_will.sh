#!/usr/bin/env bash
# mqtt_will.sh: an agent killed with -9 goes "offline" through its last will.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
mqtt_variant_gate
start_broker

mqtt_conf "$T/a.conf" n1
agent_bg agent "$T/a.conf"
AGENT=$LAST_PID
sub_bg av -t pirack/n1/availability
wait_for 15 grep -qx online "$T/av.out"
kill -KILL "$AGENT"
# the broker sees the socket close and publishes the will
wait_for 10 bash -c "tail -n 1 '$T/av.out' | grep -qx offline"
[ "$(retained pirack/n1/availability)" = offline ] || fail "the will is not retained"
echo "ok: offline from the will"
