#!/usr/bin/env bash
# rack_status.sh: pirack status against a real broker fed with retained
# state and availability messages as the agents publish them: one row per
# node with its values, online / offline / stale / unknown, under-voltage
# shown, --json, --watch picking up changes, garbage payloads survived, an
# unreachable broker reported.
source "$(dirname "$0")/../lib.sh"
t_init
t_variants plain asan -- "pirack uses no GPIO library: nothing new in variant ${PIRACK_VARIANT:-plain}"
P=$BIN/pirack
command -v mosquitto_pub >/dev/null || fail "mosquitto-clients not installed"
command -v jq >/dev/null || fail "jq not installed"
start_broker

# long sample periods: "fresh" must not depend on how loaded the box is
cat >"$T/rack.conf" <<CONF
[rack]
broker = 127.0.0.1
mqtt_port = $BROKER_PORT
prefix = lab/pirack
interval_ms = 60000
[a]
address = 10.0.0.1
[b]
address = 10.0.0.2
[c]
address = 10.0.0.3
interval_ms = 1000
[d]
address = 10.0.0.4
CONF
pub() { mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -r -q 1 -t "lab/pirack/$1" -m "$2"; }
state() {	# node ts temp fan mode led pace throttled-json
	printf '{"node":"%s","ts":%s,"seq":7,"temp_c":%s,"zones":{},"fan":%s,"fan_mode":"%s","led":"%s","pace":%s,"throttled":%s,"cpu_freq_mhz":1500,"load1":0.5,"job":null}' "$@"
}
now=$(date +%s)
pub a/state "$(state a "$now" 61.25 '"on"' auto ok 0.85 \
	'{"under_voltage":true,"under_voltage_seen":true,"freq_capped":false,"freq_capped_seen":true,"throttled":false,"soft_temp_limit":false,"raw":65541}')"
pub a/availability online
pub b/state "$(state b "$now" 45 '"off"' manual ok 1 '{"raw":0}')"
pub b/availability offline
pub c/state "$(state c $((now - 1000)) 70 40 auto hot 0.5 '{"raw":0}')"
pub c/availability online

rc=0
"$P" -r "$T/rack.conf" status --timeout 3 >"$T/out" 2>"$T/err" || rc=$?
cat "$T/out"
[ $rc = 1 ] || fail "status exited $rc with nodes offline, stale, unknown"
[ "$(head -n 1 "$T/out" | awk '{print $1, $2, $3}')" = "NODE STATE TEMP" ] ||
	fail "no header"
row() { awk -v n="$1" '$1 == n' "$T/out"; }
[ "$(row a | awk '{print $2, $3, $4, $5, $6}')" = "online 61.2C on ok 0.85" ] ||
	fail "row a: $(row a)"
row a | grep ' under-voltage,was:capped$' >/dev/null || fail "a's throttle flags"
[ "$(row b | awk '{print $2, $3, $4, $5}')" = "offline 45.0C off (manual)" ] ||
	fail "row b: $(row b)"
[ "$(row c | awk '{print $2, $3, $4, $5, $6}')" = "stale 70.0C 40% hot 0.50" ] ||
	fail "row c: $(row c)"
[ "$(row d | awk '{print $2, $3}')" = "unknown -" ] || fail "row d: $(row d)"
grep -q $'\033' "$T/out" && fail "colour codes on a pipe"

# on a terminal: under-voltage in red; --watch redraws in place
if command -v script >/dev/null; then
	TERM=xterm script -qec "$P -r $T/rack.conf status --timeout 3" /dev/null \
		>"$T/tty" 2>&1 || true
	grep -q $'\033\\[1;31munder-voltage' "$T/tty" ||
		fail "under-voltage not highlighted on a tty: $(cat -v "$T/tty")"
	# until it has redrawn twice, however slow the start (ASan, qemu-user)
	t_bg wtty env TERM=xterm script -qec "exec $P -r $T/rack.conf status --watch" /dev/null
	WT=$LAST_PID
	redrawn() { [ "$(grep -o $'\033\\[H\033\\[J' "$T/wtty.log" | wc -l)" -ge 2 ]; }
	wait_for 30 redrawn # on failure, the log shows what it drew
	kill -TERM "$WT"
else
	echo "NOTE: no script(1): terminal output not checked"
fi

"$P" -r "$T/rack.conf" status --json --timeout 3 >"$T/json" || true
jq -e 'length == 4' "$T/json" >/dev/null || fail "--json: not 4 rows"
[ "$(jq -r 'map(.status) | join(" ")' "$T/json")" = "online offline stale unknown" ] ||
	fail "--json statuses: $(jq -c 'map(.status)' "$T/json")"
jq -e '.[0].state.throttled.under_voltage == true and .[0].state.seq == 7
       and .[0].age_s >= 0 and .[3].state == null and .[3].age_s == null' \
	"$T/json" >/dev/null || fail "--json rows"

# only healthy nodes: exit 0
printf '[rack]\nbroker = 127.0.0.1\nmqtt_port = %s\nprefix = lab/pirack\ninterval_ms = 60000\n[a]\naddress = 10.0.0.1\n' \
	"$BROKER_PORT" >"$T/one.conf"
"$P" -r "$T/one.conf" status >/dev/null || fail "a healthy rack exits non-zero"

# garbage state payload: refused, the row shows no state, no crash
pub d/state 'not json {'
pub d/availability online
"$P" -r "$T/rack.conf" status --timeout 2 >"$T/out" 2>&1 || true
[ "$(row d | awk '{print $2, $3}')" = "stale -" ] || fail "row d after garbage: $(row d)"

# --watch: redraws, sees a new state, ends on SIGTERM
t_bg watch "$P" -r "$T/rack.conf" status --watch
W=$LAST_PID
wait_for 20 grep -q '^b  *offline' "$T/watch.log"
pub b/availability online
pub b/state "$(state b "$(date +%s)" 52.5 '"on"' auto ok 0.9 '{"raw":0}')"
wait_for 20 grep -q '^b  *online  *52.5C' "$T/watch.log"
kill -TERM "$W"
wait_for 10 bash -c "! kill -0 $W"
wait "$W" || fail "status --watch did not exit 0 on SIGTERM"

# a broker that wants a login: status_password_file in the rack
command -v mosquitto_passwd >/dev/null || fail "mosquitto_passwd not installed"
APORT=$(free_port)
mosquitto_passwd -c -b "$T/passwd" pirack s3cret 2>/dev/null
chmod 600 "$T/passwd"
printf 's3cret\n' >"$T/status.pw"
# as root mosquitto drops to user mosquitto, which cannot read $T
printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\nuser root\n' \
	"$APORT" "$T/passwd" >"$T/auth.conf"
t_bg auth-broker /usr/sbin/mosquitto -c "$T/auth.conf"
wait_for 10 port_open "$APORT"
mosquitto_pub -h 127.0.0.1 -p "$APORT" -u pirack -P s3cret -r -q 1 \
	-t pirack/a/availability -m online
printf '[rack]\nbroker = 127.0.0.1\nmqtt_port = %s\nstatus_password_file = %s\n[a]\naddress = 10.0.0.1\n' \
	"$APORT" "$T/status.pw" >"$T/auth-rack.conf"
"$P" -r "$T/auth-rack.conf" status --json --timeout 3 >"$T/json" 2>"$T/err" || true
[ "$(jq -r '.[0].availability' "$T/json")" = online ] ||
	fail "status did not log in: $(cat "$T/err")"
printf 'wrong\n' >"$T/status.pw"
rc=0
"$P" -r "$T/auth-rack.conf" status --timeout 3 >/dev/null 2>"$T/err" || rc=$?
[ $rc = 1 ] && grep -q "^pirack status: broker 127.0.0.1:$APORT refused the connection: " "$T/err" ||
	fail "a wrong password: exit $rc, $(cat "$T/err")"

# no broker
port=$(free_port)
rc=0
"$P" -r "$T/rack.conf" status --broker 127.0.0.1 --port "$port" 2>"$T/err" || rc=$?
[ $rc = 1 ] || fail "no broker: exit $rc"
grep -qx "pirack status: broker 127.0.0.1:$port: Connection refused" "$T/err" ||
	fail "no broker: $(cat "$T/err")"
echo ok
