# tests/vm/guest_systemd.sh: the real-systemd checks inside the VM (bash,
# run by pirack-vm-test.service once the system is up): deploy/install.sh
# on a fresh Debian with a gpio-sim chip, then the units as a Pi runs them,
# without a reboot. Prints "ok - ..." / "not ok - ..." per check and the
# verdict line the host waits for, then powers off.
V=/opt/pirack-vm
. $V/guest_lib.sh

# Polls CMD once a second until SECS seconds of wall time passed
# (guest_lib's counts polls): each systemctl call costs the emulated CPU,
# which the host may share with much else.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ $SECONDS -lt $end ] || return 1
		sleep 1
	done
}

FAN=14 RED=17 GREEN=27 BLUE=22
WATCH_LINES="$FAN $RED"
CONF=/etc/pirack/agent.conf

prop() { systemctl show -p "$2" --value "$1"; }
active() { [ "$(systemctl is-active "$1")" = active ]; }
inactive() { ! systemctl -q is-active "$1"; }
main_pid() { prop pirackd MainPID; }
status_has() { prop "$1" StatusText | grep -q -- "$2"; }
# the agent runs, a new process since pid $1
restarted() { active pirackd && [ "$(main_pid)" != "$1" ] &&
	[ "$(main_pid)" != 0 ]; }
node_ok() { [ "$(stat -c '%G %a' /dev/$CHIP)" = "gpio 660" ]; }
show() { echo "# --- $*"; "$@" 2>&1 | sed 's/^/#   /'; }
journal() { show journalctl -b --no-pager -n 25 -u pirackd -u pirackd-failsafe; }

# A config with the fan, the LEDs, a fake 40 °C zone and the local broker.
agent_conf() {
	mkdir -p $V/sys/class/thermal/thermal_zone0
	echo cpu-thermal >$V/sys/class/thermal/thermal_zone0/type
	echo 40000 >$V/sys/class/thermal/thermal_zone0/temp
	cat >$CONF <<CONF
[node]
name = vm
[thermal]
sysfs_root = $V/sys
interval_ms = 500
[fan]
driver = gpio
chip = $CHIP
line = $FAN
on_c = 60
off_c = 50
[led]
driver = gpio
chip = $CHIP
lines = $RED,$GREEN,$BLUE
[mqtt]
enabled = true
host = 127.0.0.1
port = 1883
CONF
}

install_test() {
	echo "# before install.sh: /dev/$CHIP $(stat -c '%U:%G %a' /dev/$CHIP)"
	sh $V/install.sh --stage $V/stage --start >$V/install.log 2>&1
	check "install.sh --start on a fresh system: exit 0" [ $? = 0 ]
	sed 's/^/#   /' $V/install.log
	check "the GPIO chip is group gpio, mode 0660, without a reboot" node_ok
	check "pirackd.service active without a reboot" wait_for 90 active pirackd
	[ $failed = 0 ] || journal
	local pid uid
	pid=$(main_pid)
	uid=$(id -u pirack)
	check "pirackd runs as user pirack" \
		grep -q "^Uid:[[:space:]]*$uid[[:space:]]" /proc/$pid/status
	check "pirackd's groups: pirack and gpio" eval \
		'[ "$(ps -o group= -p $pid)" = pirack ] &&
		 grep "^Groups:" /proc/$pid/status | grep -qw "$(getent group gpio | cut -d: -f3)"'
	check "pirackd has no capabilities" \
		grep -q '^CapEff:[[:space:]]*0*$' /proc/$pid/status
	check "gpioinfo: line $FAN consumer pirackd" \
		wait_for 10 consumer_is $FAN pirackd
}

mqtt_reload_test() {
	local pid rc
	agent_conf
	pid=$(main_pid)
	systemctl reload pirackd
	check "systemctl reload of a good file: exit 0" [ $? = 0 ]
	check "reloaded in place (same pid)" [ "$(main_pid)" = $pid ]
	check "40 °C: fan line 0, LED lines held" \
		wait_for 20 eval 'wire_is $FAN 0 && consumer_is $RED pirackd'
	check "the agent reaches the broker in the guest (mosquitto_sub)" \
		eval 'timeout 60 mosquitto_sub -h 127.0.0.1 -t "pirack/#" -C 1 -W 50 >$V/mqtt.out'
	sed 's/^/#   /' $V/mqtt.out | cut -c1-160

	echo "bogus_key = 1" >>$CONF
	systemctl reload pirackd 2>$V/reload.err
	rc=$?
	check "systemctl reload of a broken file fails (was $rc)" [ $rc != 0 ]
	check "a refused reload shows in STATUS" \
		wait_for 10 status_has pirackd "reload refused: $CONF:[0-9]*: .*bogus_key"
	echo "#   StatusText=$(prop pirackd StatusText)"
	check "still active, same pid, after the refused reload" \
		eval 'active pirackd && [ "$(main_pid)" = $pid ]'
	sed -i '/^bogus_key/d' $CONF
	systemctl reload pirackd
	rc=$?
	check "reload of the fixed file: exit 0 (was $rc), the note gone" \
		eval '[ $rc = 0 ] && ! status_has pirackd "reload refused"'
}

watchdog_test() {
	local pid n
	pid=$(main_pid)
	n=$(prop pirackd NRestarts)
	kill -STOP $pid
	check "SIGSTOP: the watchdog restarts pirackd" wait_for 90 restarted $pid
	check "restart counted (NRestarts $n -> $(prop pirackd NRestarts))" \
		[ "$(prop pirackd NRestarts)" -gt "$n" ]
	check "journal: Watchdog timeout" eval \
		'journalctl -b -u pirackd --no-pager | grep -q "Watchdog timeout"'
	check "line $FAN held by pirackd again" wait_for 20 consumer_is $FAN pirackd
}

stop_test() {
	local pid
	wait_for 20 wire_is $FAN 0
	pid=$(main_pid)
	trace_on
	systemctl stop pirackd
	check "systemctl stop: pirackd-failsafe.service active" \
		wait_for 30 active pirackd-failsafe
	check "the agent process $pid exited" eval '! kill -0 $pid 2>/dev/null'
	check "the kernel last set the fan line to 1 (tracepoint)" \
		[ "$(trace_last_set $FAN)" = 1 ]
	check "the fan line is driven on after the agent exited (wire 1)" \
		wire_is $FAN 1
	check "the LED is red (wire of line $RED: 1)" wire_is $RED 1
	check "the holder holds line $FAN (gpioinfo)" consumer_is $FAN pirackd
	check "the holder's STATUS says why" \
		status_has pirackd-failsafe "fan held on: pirackd is not running"
	check "the fan line stays on (wire 1, no later set)" eval \
		'wire_is $FAN 1 && [ "$(trace_last_set $FAN)" = 1 ]'

	systemctl start pirackd
	check "systemctl start: pirackd active again" wait_for 60 active pirackd
	check "the holder stopped first" inactive pirackd-failsafe
	check "line $FAN held by the agent (40 °C: wire 0)" \
		wait_for 20 eval 'consumer_is $FAN pirackd && wire_is $FAN 0'
}

crash_loop_test() {
	echo "bogus_key = 1" >>$CONF
	kill -KILL "$(main_pid)"
	# auto-restarts are "activating"; failed is where the loop ends
	check "broken file + crash: the restarts end, pirackd.service failed" \
		wait_for 240 eval '[ "$(systemctl is-failed pirackd)" = failed ]'
	check "journal: Start request repeated too quickly (StartLimitBurst)" \
		eval 'journalctl -b -u pirackd --no-pager |
			grep -q "Start request repeated too quickly"'
	check "journal: the check-config error names the line" \
		eval 'journalctl -b -u pirackd --no-pager |
			grep -q "$CONF:[0-9]*: .*bogus_key"'
	check "the holder keeps the fan on" \
		wait_for 30 eval 'active pirackd-failsafe && wire_is $FAN 1'
	check "the holder's STATUS names the broken line" \
		status_has pirackd-failsafe "bad config: $CONF:[0-9]*: .*bogus_key"
	show systemctl status --no-pager -n 3 pirackd pirackd-failsafe
}

# (systemd-analyze time waits for the boot's end: this unit is part of it)
echo "# systemd up, the test starts at $(up) s"
if sim_setup && [ "$CHIP" = gpiochip0 ]; then
	install_test
	if active pirackd; then
		mqtt_reload_test
		watchdog_test
		stop_test
		crash_loop_test
	fi
else
	nok "gpio-sim chip set-up (gpiochip0, got '${CHIP:-none}')"
fi
[ $failed = 0 ] || journal
echo "# $failed failed"
if [ $failed = 0 ]; then
	echo "PIRACK-VM-VERDICT PASS"
else
	echo "PIRACK-VM-VERDICT FAIL $failed checks"
fi
systemctl poweroff -ff
