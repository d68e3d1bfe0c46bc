# tests/agent_lib.sh: helpers for the pirackd integration tests (source it
# after lib.sh and t_init).
#
#   agent_setup            $SYS (fake sysfs, thermal_zone0 at 40 °C), $GPIO
#                          (sim GPIO dir), $SOCK, $CONF; a base config in $CONF
#   agent_start [ARGS]     pirackd -f -c $CONF in the background ($AGENT_PID),
#                          waits until its socket answers
#   ctl REQUEST...         one connection, one reply line per request
#   q JSON FILTER          jq -r on a reply
#   line N                 the sim GPIO wire value of gpiochip0 line N
#   set_temp MILLIDEG      the fake zone's temperature
#   status_until FILTER    polls "status" until the jq FILTER is true
CTL=$BIN/tests/tools/ctl

agent_setup() {
	SYS=$T/sys GPIO=$T/gpio SOCK=$T/run/agent.sock CONF=$T/agent.conf
	fake_zone "$SYS" thermal_zone0 40000
	cat >"$CONF" <<CONF
; written by tests/agent_lib.sh
[node]
name = testnode
[thermal]
sysfs_root = $SYS
interval_ms = ${AGENT_INTERVAL_MS:-50}
target_c = 70
limit_c = 80
[gpio]
backend = sim
sim_dir = $GPIO
[mqtt]
enabled = false
[control]
socket = $SOCK
CONF
}

agent_start() {
	t_bg pirackd ${AGENT_WRAPPER:-} "$BIN/pirackd" -f -c "$CONF" "$@"
	AGENT_PID=$LAST_PID
	wait_for "${AGENT_START_SECS:-10}" "$CTL" -t 2 "$SOCK" status
}

ctl() { "$CTL" "$SOCK" "$@"; }
q() { jq -r "$2" <<<"$1"; }
line() { cat "$GPIO/gpiochip0/$1" 2>/dev/null; }
line_is() { [ "$(line "$1")" = "$2" ]; }
set_temp() { fake_zone "$SYS" thermal_zone0 "$1"; }
status_until() { ctl status | jq -e "$1" >/dev/null; }
