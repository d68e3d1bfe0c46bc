#!/usr/bin/env bash
# mqtt_valgrind.sh: pirackd with MQTT under valgrind: connect, discovery,
# commands good and bad, Home Assistant's birth, a broker outage with
# queued telemetry and the reconnect, a reload that restarts MQTT, SIGTERM;
# no leaks, no memory errors. (The asan variant covers the same with ASan.)
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
t_variants plain -- "valgrind runs on the plain build only"
command -v valgrind >/dev/null || fail "valgrind is not installed (deploy/deps.sh)"
start_broker

# by name: the background lookup runs too
mqtt_conf "$T/a.conf" n1 host=localhost
t_bg agent valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=3 \
	"$BIN/pirackd" -f -c "$T/a.conf"
AGENT=$LAST_PID
pub() { mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -t "$1" -m "$2"; }
wait_for 60 grep -q 'connected to broker' "$T/agent.log"
wait_for 30 bash -c "timeout 5 mosquitto_sub -p $BROKER_PORT -t homeassistant/fan/n1/fan/config -C 1 -W 3 | jq -e .unique_id"
pub pirack/n1/fan/set ON
pub pirack/n1/fan/set 'not a command'
pub pirack/n1/led/set IDENTIFY
pub homeassistant/status online
wait_for 30 node_line n1 14 1
wait_for 30 grep -q 'rejected payload' "$T/agent.log"

# outage: samples queue up, then drain after the reconnect
kill -TERM "$BROKER_PID"
wait_for 10 bash -c "! kill -0 $BROKER_PID"
wait_for 30 bash -c "[ \$(grep -c 'cannot connect to broker' '$T/agent.log') -ge 2 ]"
broker_up mosquitto2
wait_for 60 bash -c "[ \$(grep -c 'connected to broker' '$T/agent.log') -ge 2 ]"

# a reload with another prefix restarts the MQTT client
sed -i 's/^\[mqtt\]$/[mqtt]\nprefix = pirack2/' "$T/a.conf"
kill -HUP "$AGENT"
wait_for 60 bash -c "timeout 5 mosquitto_sub -p $BROKER_PORT -t pirack2/n1/availability -C 1 -W 3 | grep -qx online"

kill -TERM "$AGENT"
rc=0
wait "$AGENT" || rc=$?
[ $rc = 0 ] || fail "valgrind/pirackd exit status $rc"
# the resolver children report too: every summary must be clean
grep -q "ERROR SUMMARY: 0 errors" "$T/agent.log" || fail "no valgrind summary"
! grep -q "ERROR SUMMARY: [1-9]" "$T/agent.log" || fail "valgrind errors"
grep -E "in use at exit|lost:|ERROR SUMMARY" "$T/agent.log" | sed "s/^==[0-9]*== *//"
