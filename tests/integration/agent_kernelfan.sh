#!/usr/bin/env bash
# [fan] driver = kernel: pirackd reports the kernel's fan (cooling device
# cur_state as a duty) and refuses commands for it; a single-line LED
# shows the states as steady / fast blink.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/agent_lib.sh"
agent_setup fan.driver=kernel led.lines=5
cdev=$SYS/class/thermal/cooling_device0
mkdir -p "$cdev"
echo pwm-fan >"$cdev/type"
echo 4 >"$cdev/max_state"
echo 1 >"$cdev/cur_state"
agent_start

wait_for 10 status_until '.fan == 25'
echo 3 >"$cdev/cur_state"
wait_for 10 status_until '.fan == 75'
r=$(ctl "fan on")
grep -q "kernel" <<<"$r" && [ "$(q "$r" .error)" != null ] ||
	fail "fan on for the kernel's fan: $r"

# A single LED: on when fine, blinking (off and on again) at limit_c.
wait_for 10 line_is 5 1
set_temp 85000
wait_for 10 status_until '.led == "hot"'
wait_for 10 line_is 5 0
wait_for 10 line_is 5 1
set_temp 40000
wait_for 10 status_until '.led != "hot"'
wait_for 10 line_is 5 1
