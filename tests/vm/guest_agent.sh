# tests/vm/guest_agent.sh: the agent checks inside the VM (busybox sh),
# sourced by guest.sh: agent_test NAME runs /bin/NAME with the gpiod backend
# against the gpio-sim chip ($CHIP, $SIM, helpers from guest.sh).

FAN=14
RED=17 GREEN=27 BLUE=22
WATCH_LINES="$FAN $RED $GREEN $BLUE"	# shown by nok()

# agent_conf FILE CHIP ACTIVE_LOW: a config for the fake tree in $A.
agent_conf() {
	cat >"$1" <<EOF
[node]
name = vm
[thermal]
source = sysfs
sysfs_root = $A/sys
interval_ms = 100
target_c = 70
limit_c = 80
[fan]
driver = gpio
chip = $2
line = $FAN
active_low = $3
on_c = 60
off_c = 50
[led]
driver = gpio
chip = $2
lines = $RED,$GREEN,$BLUE
[gpio]
backend = gpiod
[mqtt]
enabled = false
[control]
socket = $A/run/agent.sock
EOF
}

temp() {	# degrees C into the fake zone, atomically
	echo "${1}000" >$A/sys/class/thermal/thermal_zone0/temp.new
	mv $A/sys/class/thermal/thermal_zone0/temp.new \
		$A/sys/class/thermal/thermal_zone0/temp
}
# leds R G B: the three LED lines' wire values are R G B
leds() { wire_is $RED $1 && wire_is $GREEN $2 && wire_is $BLUE $3; }
# every one of the agent's lines has consumer $1, or with "unused" is free
# (one gpioinfo run: each takes a while on the emulated CPU)
all_lines() {
	local out l
	out=$(gpioinfo $CHIP) || return 1
	for l in $FAN $RED $GREEN $BLUE; do
		echo "$out" | grep "line *$l:" | grep -q "$1" || return 1
	done
}
held() { all_lines '"pirackd"'; }
released() { all_lines unused; }
gone() { ! kill -0 $1 2>/dev/null; }
# true when line $1 was set to both 1 and 0 since trace_on: a blink
blinked() {
	local t=/sys/kernel/tracing/trace g=$((BASE + $1))
	grep -q "gpio_value: $g set 1" $t && grep -q "gpio_value: $g set 0" $t
}
log_tail() { echo "# --- $1"; tail -n 15 "$1" | sed 's/^/#   /'; }

# Starts the agent in the foreground mode (-f), in the background of this
# shell, with config $1: $PID, log $LOG.
agent_start() {
	LOG=$A/$(basename $1 .conf).log
	$AGENT -f -c "$1" >$LOG 2>&1 &
	PID=$!
}
agent_stop() {	# SIGTERM, then the exit status must be 0
	kill -TERM $PID 2>/dev/null
	wait_for 10 gone $PID || { kill -KILL $PID; nok "$NAME exits on SIGTERM"; }
	wait $PID
}

agent_test() {
	NAME=$1
	AGENT=/bin/$1
	A=/tmp/$NAME
	local st bad=$failed
	echo "# $NAME: gpiod backend on $CHIP"
	mkdir -p $A/sys/class/thermal/thermal_zone0 $A/run
	echo cpu-thermal >$A/sys/class/thermal/thermal_zone0/type
	temp 40
	agent_conf $A/agent.conf $CHIP false
	agent_conf $A/agent-low.conf $CHIP true
	agent_conf $A/agent-nochip.conf gpiochip9 false

	agent_start $A/agent.conf
	check "$NAME: fan and LED lines held, consumer pirackd (gpioinfo)" \
		wait_for 20 held
	check "$NAME: 40 C: fan line 0" wait_for 10 wire_is $FAN 0
	check "$NAME: 40 C: LED green (R G B = 0 1 0)" wait_for 10 leds 0 1 0
	temp 65
	check "$NAME: 65 C (>= on_c 60): fan line 1" wait_for 10 wire_is $FAN 1
	check "$NAME: 65 C: LED yellow, warm (1 1 0)" wait_for 10 leds 1 1 0
	temp 85
	check "$NAME: 85 C (>= limit_c 80): LED red, hot (1 0 0)" \
		wait_for 10 leds 1 0 0
	check "$NAME: 85 C: fan line still 1" wire_is $FAN 1
	temp 45
	check "$NAME: 45 C (<= off_c 50): fan line 0" wait_for 10 wire_is $FAN 0
	check "$NAME: 45 C: LED green (0 1 0)" wait_for 10 leds 0 1 0
	trace_on
	rm $A/sys/class/thermal/thermal_zone0/temp
	check "$NAME: zone file removed: fan line 1" wait_for 10 wire_is $FAN 1
	check "$NAME: sensor fault: red LED blinks (tracepoint)" \
		wait_for 10 blinked $RED
	check "$NAME: sensor fault: green and blue off" \
		wait_for 10 eval 'wire_is $GREEN 0 && wire_is $BLUE 0'
	temp 40
	check "$NAME: zone back at 40 C: fan line 0" wait_for 10 wire_is $FAN 0
	agent_stop
	st=$?
	check "$NAME: SIGTERM: exit status 0 (was $st)" [ $st = 0 ]
	check "$NAME: SIGTERM: every line released (gpioinfo)" wait_for 10 released

	# gpio-sim returns a released line to its pull, so what --failsafe
	# left on the wire is the last value the kernel set (tracepoint).
	trace_on
	timeout 30 $AGENT -f -c $A/agent.conf --failsafe >$A/failsafe.log 2>&1
	st=$?
	check "$NAME --failsafe: exit status 0 (was $st)" [ $st = 0 ]
	check "$NAME --failsafe: last value set on the fan line is 1" \
		[ "$(trace_last_set $FAN)" = 1 ]
	check "$NAME --failsafe: fan line released" wait_for 10 released
	[ $failed = $bad ] || log_tail $A/failsafe.log

	temp 40
	agent_start $A/agent-low.conf
	check "$NAME active_low: lines held" wait_for 20 held
	check "$NAME active_low: gpioinfo says active-low" \
		eval 'info $FAN | grep -q active-low'
	check "$NAME active_low: 40 C, fan off: wire 1" wait_for 10 wire_is $FAN 1
	temp 70
	check "$NAME active_low: 70 C, fan on: wire 0" wait_for 10 wire_is $FAN 0
	agent_stop
	check "$NAME active_low: SIGTERM: lines released" wait_for 10 released

	temp 40
	gpioset --mode=signal $CHIP $FAN=0 &
	local holder=$!
	wait_for 10 consumer_is $FAN gpioset
	timeout 30 $AGENT -f -c $A/agent.conf >$A/busy.log 2>&1
	st=$?
	kill $holder
	wait $holder
	check "$NAME: fan line held by gpioset: exit status 1 (was $st)" [ $st = 1 ]
	check "$NAME: fan line held: message names chip $CHIP and line $FAN" \
		eval 'grep -q "$CHIP" $A/busy.log && grep -qw "$FAN" $A/busy.log'
	log_tail $A/busy.log

	timeout 30 $AGENT -f -c $A/agent-nochip.conf >$A/nochip.log 2>&1
	st=$?
	check "$NAME: chip gpiochip9 does not exist: exit status 1 (was $st)" \
		[ $st = 1 ]
	check "$NAME: no chip: message names gpiochip9" \
		grep -q gpiochip9 $A/nochip.log
	log_tail $A/nochip.log
	check "$NAME: no line left held" released
	[ $failed = $bad ] || log_tail $A/agent.log
	[ $failed = $bad ] || log_tail $A/agent-low.log
}
