#!/usr/bin/env bash
# systemd's notify protocol, against a stand-in NOTIFY_SOCKET: READY=1 after
# the first sample, STATUS= with temperature and fan, WATCHDOG=1 pings from
# the loop (also between long sample periods), RELOADING=1, STOPPING=1.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/agent_lib.sh"
t_bg sdnotify "$BIN/tests/tools/sdnotify" "$T/notify.sock"
wait_for 10 test -S "$T/notify.sock"
N=$T/sdnotify.log
count() { grep -c "^$1" "$N" || true; }
at_least() { [ "$(count "$1")" -ge "$2" ]; }

# A sample period much longer than the watchdog's: pings must come from
# poll() timeouts, not from ticks.
AGENT_INTERVAL_MS=3000 agent_setup
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 agent_start
wait_for 10 grep -q "^READY=1" "$N"
grep -q "^STATUS=40.0 °C, fan off (auto), pace 1.00" "$N" ||
	fail "no STATUS with the temperature: $(cat "$N")"
wait_for 10 at_least WATCHDOG=1 4
seq=$(ctl status | jq .seq)
[ "$seq" -le 2 ] || fail "$seq samples already: pings must not be ticks"

ctl "fan on" >/dev/null
wait_for 10 grep -q "^STATUS=40.0 °C, fan on (manual)" "$N"
kill -HUP "$AGENT_PID"
wait_for 10 grep -q "^RELOADING=1" "$N"
kill -TERM "$AGENT_PID"
wait_for 10 grep -q "^STOPPING=1" "$N"
