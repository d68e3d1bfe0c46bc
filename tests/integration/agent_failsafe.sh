#!/usr/bin/env bash
# pirackd --failsafe with a bad config: the fan is still switched on (the
# [fan] and [gpio] keys that parsed are used), the error is reported with
# FILE:LINE, and the exit status (2) says the config was bad. --hold
# keeps the fan on until SIGTERM as a Type=notify service (READY=1, a
# STATUS= that says why, the config's error included) and exits 0.
source "$(dirname "$0")/../lib.sh"
t_init
GPIO=$T/gpio CONF=$T/agent.conf
mkdir -p "$GPIO/gpiochip3"

# A typo in [thermal] and an inconsistent pair: the fan section is good.
cat >"$CONF" <<CONF
[thermal]
interval_msx = 50
[fan]
chip = gpiochip3
line = 7
[led]
chip = gpiochip3
lines = 8,9,10
[gpio]
backend = sim
sim_dir = $GPIO
[mqtt]
enabled = false
CONF
echo 0 >"$GPIO/gpiochip3/7"
rc=0
"$BIN/pirackd" -c "$CONF" --failsafe 2>"$T/err" || rc=$?
[ $rc = 2 ] || fail "--failsafe on a bad config exited $rc, want 2"
[ "$(cat "$GPIO/gpiochip3/7")" = 1 ] ||
	fail "--failsafe left the configured fan line at" \
		"$(cat "$GPIO/gpiochip3/7")"
grep -q "$CONF:2: \[thermal\] has no key 'interval_msx'" "$T/err" ||
	fail "--failsafe did not report the config error: $(cat "$T/err")"
grep -q "fan on" "$T/err" || fail "--failsafe did not say the fan is on"
# the LED goes red on its configured lines too
[ "$(cat "$GPIO/gpiochip3/8")" = 1 ] || fail "--failsafe LED not red"

# A bad value in [fan] itself: that key falls back to its default (line
# 14), the good ones (chip, backend) still hold.
sed -i -e 's/^line = 7$/line = seven/' -e 's/^interval_msx/interval_ms/' \
	"$CONF"
rc=0
"$BIN/pirackd" -c "$CONF" --failsafe 2>"$T/err" || rc=$?
[ $rc = 2 ] || fail "--failsafe with a bad [fan] line exited $rc, want 2"
[ "$(cat "$GPIO/gpiochip3/14" 2>/dev/null)" = 1 ] ||
	fail "--failsafe did not fall back to the default fan line 14"
grep -q "$CONF:5: \[fan\] line 'seven'" "$T/err" ||
	fail "--failsafe: $(cat "$T/err")"

# A good config still exits 0, and --check-config still refuses a bad one.
sed -i 's/^line = seven$/line = 7/' "$CONF"
echo 0 >"$GPIO/gpiochip3/7"
"$BIN/pirackd" -c "$CONF" --failsafe 2>"$T/err" ||
	fail "--failsafe on a good config exited $?: $(cat "$T/err")"
[ "$(cat "$GPIO/gpiochip3/7")" = 1 ] || fail "--failsafe (good config)"
sed -i 's/^interval_ms/interval_msx/' "$CONF"
rc=0
"$BIN/pirackd" -c "$CONF" --check-config 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "--check-config on a bad config exited $rc, want 2"
exit 0

# --failsafe --hold: READY=1 once the fan is on, held until SIGTERM
sed -i 's/^interval_msx/interval_ms/' "$CONF"
echo "bogus = 1" >>"$CONF"
echo 0 >"$GPIO/gpiochip3/7"
t_bg sdnotify "$BIN/tests/tools/sdnotify" "$T/notify.sock"
wait_for 10 test -S "$T/notify.sock"
NOTIFY_SOCKET=$T/notify.sock t_bg hold "$BIN/pirackd" -c "$CONF" --failsafe --hold
hold=$LAST_PID
wait_for 10 grep -q "^READY=1" "$T/sdnotify.log" ||
	fail "--hold sent no READY=1: $(cat "$T/hold.log")"
grep -q "^STATUS=fan held on: pirackd is not running; bad config: $CONF:[0-9]*: .*bogus" \
	"$T/sdnotify.log" || fail "--hold STATUS: $(cat "$T/sdnotify.log")"
[ "$(cat "$GPIO/gpiochip3/7")" = 1 ] || fail "--hold: fan line not on"
kill -HUP "$hold"	# ignored: still holding
kill -0 "$hold" || fail "--hold exited on SIGHUP"
kill -TERM "$hold"
rc=0
wait "$hold" || rc=$?
[ $rc = 0 ] || fail "--hold exited $rc on SIGTERM: $(cat "$T/hold.log")"
grep -q "^STOPPING=1" "$T/sdnotify.log" || fail "--hold: no STOPPING=1"
grep -q "lines released" "$T/hold.log" || fail "--hold: $(cat "$T/hold.log")"
rc=0
"$BIN/pirackd" -c "$CONF" --hold 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q "goes with --failsafe" "$T/err" ||
	fail "--hold alone: $rc $(cat "$T/err")"
