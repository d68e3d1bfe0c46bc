#!/usr/bin/env bash
# agent_pwm_curve.sh: the pwm fan's spin-up minimum and its hysteresis, and
# full duty on a lost zone, as pirackd writes them into a fake sysfs pwm
# tree. (agent_pwm.sh covers set-up, the linear curve and manual duty.)
source "$(dirname "$0")/../lib.sh"
t_init
# Nothing here touches libgpiod: the gpiod2 build proves nothing new.
t_variants plain asan -- "pwm path does not use libgpiod"
source "$TOP/tests/agent_lib.sh"
agent_setup fan.driver=pwm fan.pwm=pwmchip0/pwm0 fan.on_c=60 fan.off_c=50 \
	led.driver=none
fake_pwm

duty_is() { [ "$(cat "$PWM/duty_cycle" 2>/dev/null)" = "$1" ]; }
# 0 % at off_c = 50, 100 % at limit_c = 80; period 40000 ns.
at() {	# millideg expected_duty_ns
	set_temp "$1"
	wait_for 10 duty_is "$2"
}

agent_start
[ "$(cat "$PWM/period")" = 40000 ] || fail "period is $(cat "$PWM/period")"
wait_for 10 duty_is 0			# 40 C: off
at 56000 0				# 20 %: too little to start a fan
at 59000 12000				# 30 %: starts
at 52000 10000				# turning: held at the 25 % minimum
at 50000 0				# off_c: stops
at 57500 10000				# exactly the minimum: starts
at 80000 40000				# limit_c: full
at 45000 0
rm "$SYS/class/thermal/thermal_zone0/temp"
wait_for 10 duty_is 40000		# sensor fault: full on
wait_for 10 status_until '.fault == true and (.fault_msg | test("thermal_zone0/temp"))'
kill -0 "$AGENT_PID" || fail "pirackd died on a lost zone"
set_temp 45000				# the zone is back
wait_for 10 duty_is 0
echo "pwm duty followed the curve, spin-up and fault"
