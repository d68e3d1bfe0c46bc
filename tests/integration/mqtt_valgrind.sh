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
# pirackd itself: clean (its exit status above is valgrind's verdict too)
grep -q "^==$AGENT== ERROR SUMMARY: 0 errors" "$T/agent.log" ||
	fail "pirackd's valgrind summary is not clean"
# The resolver children (forked for the lookups) report too, and must be
# clean but for one thing: a child forked while the sensor reader thread
# was inside scandir() inherits those blocks, which that thread, not in
# the child, never frees (seen under qemu-user, where the read is slow).
# Any other error, or a leak from the child's own code, fails.
bad=$(awk -v main="==$AGENT==" '
	$1 == main || $1 !~ /^==[0-9]+==$/ { next }
	{ rec[$1] = rec[$1] "\n" $0 }
	NF == 1 {	# "==PID==" alone ends a record
		r = rec[$1]; rec[$1] = ""
		if (r ~ /lost in loss record/ && r ~ /reader_main/) next
		if (r ~ /lost in loss record|Invalid |uninitialised|Conditional jump|Syscall param|Mismatched/)
			print r
	}' "$T/agent.log")
[ -z "$bad" ] || fail "valgrind errors in a resolver child:$bad"
grep -E "in use at exit|lost:|ERROR SUMMARY" "$T/agent.log" | sed "s/^==[0-9]*== *//"
