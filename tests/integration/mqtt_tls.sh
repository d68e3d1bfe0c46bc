#!/usr/bin/env bash
# mqtt_tls.sh: TLS with a throw-away CA and password auth. Good credentials
# connect; a wrong password or an untrusted broker certificate is reported
# clearly and retried with growing backoff while the fan keeps working.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
command -v openssl >/dev/null || fail "openssl is not installed (deploy/deps.sh)"
mqtt_variant_gate

C=$T/tls
mkdir -p "$C"
ossl() { openssl "$@" >>"$T/openssl.log" 2>&1 || fail "openssl $1 failed"; }
ossl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=pirack-test-ca \
	-keyout "$C/ca.key" -out "$C/ca.crt"
ossl req -newkey rsa:2048 -nodes -subj /CN=localhost \
	-keyout "$C/srv.key" -out "$C/srv.csr"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$C/ext"
ossl x509 -req -days 1 -in "$C/srv.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" \
	-CAcreateserial -extfile "$C/ext" -out "$C/srv.crt"
# a CA that did not sign the broker: the agent must refuse the broker
ossl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other-ca \
	-keyout "$C/other.key" -out "$C/other.crt"

touch "$C/passwd"
mosquitto_passwd -b "$C/passwd" n1 right-secret
printf 'right-secret\n' >"$C/n1.pw"
printf 'wrong-secret\n' >"$C/bad.pw"
chmod 600 "$C"/*.pw

# mosquitto run as root would switch to user mosquitto, locked out of $T
[ "$(id -u)" = 0 ] && ROOT_USER='user root' || ROOT_USER=
BROKER_PORT=$(free_port)
cat >"$T/mosquitto.conf" <<CONF
$ROOT_USER
listener $BROKER_PORT 127.0.0.1
cafile $C/ca.crt
certfile $C/srv.crt
keyfile $C/srv.key
allow_anonymous false
password_file $C/passwd
persistence false
CONF
t_bg mosquitto /usr/sbin/mosquitto -c "$T/mosquitto.conf"
wait_for 10 port_open "$BROKER_PORT"

mqtt_conf "$T/good.conf" good cafile="$C/ca.crt" username=n1 password_file="$C/n1.pw" client_id=good
mqtt_conf "$T/badpw.conf" badpw cafile="$C/ca.crt" username=n1 password_file="$C/bad.pw" client_id=badpw
mqtt_conf "$T/untrusted.conf" untrusted cafile="$C/other.crt" username=n1 password_file="$C/n1.pw" client_id=untrusted
agent_bg good "$T/good.conf"
GOOD=$LAST_PID
agent_bg badpw "$T/badpw.conf"
BADPW=$LAST_PID
agent_bg untrusted "$T/untrusted.conf"
UNTRUSTED=$LAST_PID

# good credentials over TLS: connected, online
wait_for 15 grep -q 'connected to broker 127.0.0.1' "$T/good.log"
[ "$(timeout 5 mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" --cafile "$C/ca.crt" \
	-u n1 -P right-secret -t pirack/good/availability -C 1 -W 3)" = online ] ||
	fail "good agent not online over TLS"
! grep -q 'right-secret' "$T/good.log" || fail "the password was logged"

# two attempts each, with the delay growing between them
backoff_grows() {
	local log=$1 what=$2
	[ "$(grep -F -- "$what" "$log" | grep -o 'retrying in [0-9.]* s' |
		head -n 2 | tr '\n' ' ')" = "retrying in 0.5 s retrying in 1.0 s " ]
}
wait_for 15 backoff_grows "$T/badpw.log" 'refused: not authorised (check username and password_file)'
wait_for 15 backoff_grows "$T/untrusted.log" 'TLS handshake failed'
grep -q 'certificate verify failed' "$T/untrusted.log" ||
	fail "untrusted certificate not named as the cause"
grep -q 'connected to broker' "$T/badpw.log" "$T/untrusted.log" &&
	fail "an agent connected with bad credentials or an untrusted broker"

# the LED says so: "no broker" (green slow blink), where the good one is ok
led() { "$BIN/tests/tools/ctl" "$T/$1/agent.sock" status | jq -r .led; }
wait_for 10 bash -c "[ \"\$('$BIN/tests/tools/ctl' '$T/badpw/agent.sock' status | jq -r .led)\" = no_broker ]"
[ "$(led untrusted)" = no_broker ] || fail "untrusted: LED $(led untrusted), not no_broker"
[ "$(led good)" = ok ] || fail "good: LED $(led good), not ok"

# no broker for them, but the fan still follows the temperature
for node in badpw untrusted; do
	fake_zone "$T/$node/sys" thermal_zone0 70000
	wait_for 10 node_line $node 14 1
done
kill -0 "$BADPW" && kill -0 "$UNTRUSTED" || fail "an agent died"
agent_stop_clean "$GOOD" "$T/good.log"
agent_stop_clean "$BADPW" "$T/badpw.log"
agent_stop_clean "$UNTRUSTED" "$T/untrusted.log"
echo "ok: TLS + password connect; bad password and untrusted CA refused with backoff"
