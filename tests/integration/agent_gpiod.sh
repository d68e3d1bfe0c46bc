#!/usr/bin/env bash
# agent_gpiod.sh: pirackd on the real libgpiod backend of this build (v1,
# or v2 in the gpiod2 variant) where there is no such GPIO chip: it stops
# at start-up, and with --failsafe, with an error naming the chip and the
# cause, and touches nothing. (Driving real lines: the VM gpio-sim test.)
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/agent_lib.sh"
agent_setup gpio.backend=gpiod fan.driver=gpio \
	fan.chip=pirack-no-such-chip fan.line=14 led.driver=none

expect_chip_error() {	# what... : exits non-zero, names chip and cause
	local rc=0
	t_timeout 10 "$BIN/pirackd" -f -c "$CONF" "$@" >"$T/out.log" 2>&1 || rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] ||
		fail "pirackd $* exited $rc: $(cat "$T/out.log")"
	grep -q 'pirack-no-such-chip: chip not found: ' "$T/out.log" ||
		fail "pirackd $*: no clear chip error: $(cat "$T/out.log")"
}

expect_chip_error
[ ! -e "$SOCK" ] || fail "socket left behind after a failed start"
[ ! -e "$GPIO" ] || fail "sim GPIO dir created by the gpiod backend"
expect_chip_error --failsafe

# A device that is not a GPIO chip (/dev/null) is refused, not driven.
sed -i 's|^chip = pirack-no-such-chip$|chip = null|' "$CONF"
rc=0
t_timeout 10 "$BIN/pirackd" -f -c "$CONF" --failsafe >"$T/out.log" 2>&1 || rc=$?
[ $rc -ne 0 ] && grep -q 'null: not a GPIO chip (/dev/null)' "$T/out.log" ||
	fail "chip null: exit $rc: $(cat "$T/out.log")"
echo "gpiod backend errors name the chip: $(head -n 1 "$T/out.log")"
