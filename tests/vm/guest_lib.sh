# tests/vm/guest_lib.sh: the checks' helpers inside the VMs (busybox sh in
# the initramfs one, bash under systemd): ok/not ok lines, polling with a
# deadline, the gpio-sim chip and what the kernel's tracepoints saw.
#
# What the kernel sees of a line is read from gpio-sim's sysfs
# (sim_gpioN/value); gpio-sim puts a released line back to its pull, so the
# values a process wrote before exiting are read from the gpio tracepoints.

failed=0
# each line carries the guest's uptime: where the time goes
up() { cut -d' ' -f1 /proc/uptime; }
ok() { echo "ok - $* [$(up)]"; }
nok() {
	echo "not ok - $* [$(up)]"
	failed=$((failed + 1))
	# what a person would look at first: the wire, who holds which line
	local l w=
	for l in $WATCH_LINES; do w="$w $l=$(wire $l)"; done
	[ -z "$w" ] || echo "#   wire:$w"
	gpioinfo $CHIP | grep -v unused | sed 's/^/#   /'
	ps -o pid,ppid,stat,args | grep -v ' \[' | sed 's/^/#   /'
}
check() {	# DESCRIPTION CMD...: one check
	local what=$1
	shift
	if "$@"; then ok "$what"; else nok "$what"; fi
}
# Polls CMD for up to SECS seconds (the emulated CPU is slow).
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# One gpio-sim chip, 32 lines; $SIM/sim_gpioN/{value,pull} is the wire.
sim_setup() {
	local cfg=/sys/kernel/config/gpio-sim/pirack
	mkdir $cfg $cfg/bank0 || return 1
	echo 32 >$cfg/bank0/num_lines
	echo pirack-sim >$cfg/bank0/label
	echo 1 >$cfg/live || return 1
	CHIP=$(cat $cfg/bank0/chip_name)
	SIM=/sys/devices/platform/$(cat $cfg/dev_name)/$CHIP
	# the global number the tracepoints use is base + offset
	BASE=$(cat /sys/devices/platform/$(cat $cfg/dev_name)/gpio/gpiochip*/base)
	[ -c /dev/$CHIP ] && [ -d $SIM/sim_gpio0 ]
}
wire() { cat $SIM/sim_gpio$1/value; }
wire_is() { [ "$(wire $1)" = "$2" ]; }
# gpioinfo's line: 'line  14:  unnamed  "pirackd"  output  active-high [used]'
info() { gpioinfo $CHIP | grep "line *$1:"; }
consumer_is() { info $1 | grep -q "\"$2\""; }
unused() { info $1 | grep -q 'unused'; }

# The gpio_value tracepoint logs every value the kernel set on a line.
trace_on() {
	local t=/sys/kernel/tracing
	echo 0 >$t/tracing_on
	echo >$t/trace
	echo 1 >$t/events/gpio/gpio_value/enable
	echo 1 >$t/tracing_on
}
# Prints the last value set on line $1 since trace_on ("" if none).
trace_last_set() {
	grep -o "gpio_value: $((BASE + $1)) set [01]" /sys/kernel/tracing/trace |
		tail -n 1 | sed 's/.* //'
}
