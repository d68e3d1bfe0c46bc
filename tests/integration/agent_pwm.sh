#!/usr/bin/env bash
# pirackd with [fan] driver = pwm writes the curve's duty into a fake sysfs
# pwm tree: exported, period set, enabled, duty linear from off_c to limit_c.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/agent_lib.sh"
agent_setup fan.driver=pwm fan.pwm=pwmchip0/pwm0 fan.off_c=40 fan.on_c=50
fake_pwm
chip=$SYS/class/pwm/pwmchip0
duty() { cat "$chip/pwm0/duty_cycle"; }
duty_is() { [ "$(duty)" = "$1" ]; }

set_temp 30000
agent_start
[ "$(cat "$chip/pwm0/enable")" = 1 ] || fail "pwm not enabled"
period=$(cat "$chip/pwm0/period")
[ "$period" -gt 0 ] || fail "pwm period $period"
wait_for 10 duty_is 0

# 70 °C is 3/4 of the way from off_c 40 to limit_c 80: 75 %.
set_temp 70000
wait_for 10 status_until '.temp_c == 70'
[ "$(q "$(ctl status)" .fan)" = 75 ] || fail "status fan: $(ctl status)"
duty_is $((period * 75 / 100)) || fail "duty $(duty) at 70 °C, period $period"
set_temp 85000
wait_for 10 duty_is "$period"

# A manual duty is a number for a pwm fan.
set_temp 60000
wait_for 10 status_until '.temp_c == 60'
r=$(ctl "fan 30")
[ "$(q "$r" .fan)" = 30 ] && [ "$(q "$r" .fan_mode)" = manual ] ||
	fail "fan 30: $r"
duty_is $((period * 30 / 100)) || fail "duty $(duty) after fan 30"
