#!/usr/bin/env bash
# systemd's notify protocol, against a stand-in NOTIFY_SOCKET: READY=1 after
# the first sample, STATUS= with temperature and fan, WATCHDOG=1 pings from
# the loop (also between long sample periods), RELOADING=1, STOPPING=1;
# a refused reload stays in STATUS= until one succeeds, and
# pirackd --reload PID (ExecReload=) exits 1 on a refusal, 0 on success.
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
# Pings from ticks would come about once a sample; from poll() timeouts
# (every 200 ms here) some fifteen. Counted against the samples taken so
# far (seq, read first, pings only grow), not against a time a busy
# machine may stretch: qemu-user once took 6 s to send the first four.
outnumbered() {
	local s p
	s=$(ctl status | jq .seq) && p=$(count WATCHDOG=1) &&
		[ "$p" -ge 4 ] && [ "$p" -gt $((3 * s + 1)) ]
}
wait_for 20 outnumbered

ctl "fan on" >/dev/null
wait_for 10 grep -q "^STATUS=40.0 °C, fan on (manual)" "$N"
kill -HUP "$AGENT_PID"
wait_for 10 grep -q "^RELOADING=1" "$N"

# a broken file: --reload says so and fails, STATUS= keeps saying it
cp "$CONF" "$T/good.conf"
echo "bogus_key = 1" >>"$CONF"
rc=0
"$BIN/pirackd" -c "$CONF" --reload "$AGENT_PID" >"$T/reload.out" 2>&1 || rc=$?
[ $rc = 1 ] || fail "--reload of a broken file exited $rc, want 1: $(cat "$T/reload.out")"
grep -q "refused the reload.*$CONF:[0-9]*: .*bogus_key" "$T/reload.out" ||
	fail "--reload did not say why: $(cat "$T/reload.out")"
wait_for 10 grep -q "^STATUS=.*; reload refused: $CONF:[0-9]*: .*bogus_key" "$N" ||
	fail "no refused reload in STATUS: $(tail -n 3 "$N")"
ctl "fan off" >/dev/null	# a new STATUS= from the tick keeps the note
wait_for 10 grep -q "^STATUS=40.0 °C, fan off (manual), pace 1.00; reload refused" "$N" ||
	fail "the note did not stay in STATUS: $(tail -n 3 "$N")"
cp "$T/good.conf" "$CONF"
"$BIN/pirackd" -c "$CONF" --reload "$AGENT_PID" >"$T/reload.out" 2>&1 ||
	fail "--reload of a good file failed: $(cat "$T/reload.out")"
[ "$(tail -n 1 "$N" | grep -c 'reload refused')" = 0 ] ||
	fail "a good reload left the note: $(tail -n 1 "$N")"
rc=0
"$BIN/pirackd" --reload 999999999 >"$T/reload.out" 2>&1 || rc=$?
[ $rc = 1 ] && grep -q "pid 999999999" "$T/reload.out" ||
	fail "--reload of no process: $rc $(cat "$T/reload.out")"
kill -TERM "$AGENT_PID"
wait_for 10 grep -q "^STOPPING=1" "$N"
