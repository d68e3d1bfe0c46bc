#!/usr/bin/env bash
# pirackd drives the fan line from the fake sysfs temperature: on at on_c,
# off at off_c (hysteresis), fail-safe on a vanished zone, safety over a
# manual OFF, and the status reply carries the temperature written.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/agent_lib.sh"
agent_setup fan.on_c=60 fan.off_c=50
agent_start

# 40 °C: the start-up fail-safe ON ends with the first reading.
wait_for 10 line_is 14 0
r=$(ctl status)
[ "$(q "$r" .temp_c)" = 40 ] || fail "status temp_c: $r"
[ "$(q "$r" .node)" = testnode ] || fail "status node: $r"
[ "$(q "$r" .fan)" = off ] || fail "status fan: $r"
[ "$(q "$r" .led)" = ok ] || fail "status led: $r"
line_is 27 1 && line_is 17 0 && line_is 22 0 || fail "LED not green"

# The tick that reads the new temperature switches the fan: the status
# that first shows 61.5 °C also shows the fan on, so the line follows
# within one sample period (no wall-clock assertion).
set_temp 61500
wait_for 10 status_until '.temp_c == 61.5'
r=$(ctl status)
[ "$(q "$r" .fan)" = on ] || fail "fan not on at 61.5 °C: $r"
line_is 14 1 || fail "fan line is $(line 14) at 61.5 °C"
[ "$(q "$r" .led)" = warm ] || fail "LED not warm with the fan on: $r"

# Hysteresis: 55 °C keeps it on, 50 °C turns it off.
set_temp 55000
wait_for 10 status_until '.temp_c == 55'
line_is 14 1 || fail "fan went off inside the hysteresis band"
set_temp 49000
wait_for 10 status_until '.temp_c == 49'
[ "$(q "$(ctl status)" .fan)" = off ] || fail "fan still on at 49 °C"
line_is 14 0 || fail "fan line is $(line 14) at 49 °C"

# Exact temperature round trip through the socket.
set_temp 57123
wait_for 10 status_until '.temp_c == 57.123 and .zones.thermal_zone0 == 57.123'

# Manual OFF is taken below limit_c, refused at or above it, and undone
# when the node reaches limit_c.
r=$(ctl "fan off")
[ "$(q "$r" .ok)" = true ] && [ "$(q "$r" .fan_mode)" = manual ] ||
	fail "fan off at 57 °C: $r"
line_is 14 0 || fail "manual off did not switch the line"
set_temp 82000
wait_for 10 status_until '.temp_c == 82'
r=$(ctl status)
[ "$(q "$r" .fan)" = on ] && [ "$(q "$r" .fan_mode)" = auto ] ||
	fail "manual off not undone at 82 °C: $r"
line_is 14 1 || fail "fan line $(line 14) at 82 °C"
[ "$(q "$r" .led)" = hot ] || fail "LED not hot at 82 °C: $r"
[ "$(q "$r" .pace)" = 0 ] || fail "pace not 0 at limit: $r"
r=$(ctl "fan off")
[ "$(q "$r" .error)" != null ] || fail "fan off at 82 °C accepted: $r"
grep -q refused <<<"$r" || fail "fan off refusal unclear: $r"
line_is 14 1 || fail "fan line dropped after a refused off"

# Manual ON holds below on_c; auto gives control back.
set_temp 45000
wait_for 10 status_until '.temp_c == 45'
r=$(ctl "fan on")
[ "$(q "$r" .fan)" = on ] || fail "fan on: $r"
line_is 14 1 || fail "fan on did not switch the line"
r=$(ctl "fan auto")
[ "$(q "$r" .fan_mode)" = auto ] && [ "$(q "$r" .fan)" = off ] ||
	fail "fan auto at 45 °C: $r"
line_is 14 0 || fail "fan auto left the line at $(line 14)"
r=$(ctl "fan 50")
grep -q error <<<"$r" || fail "duty on a gpio fan accepted: $r"

# A vanished zone: fan on at once and the LED shows the fault (red).
rm "$SYS/class/thermal/thermal_zone0/temp"
wait_for 10 status_until '.fault == true'
r=$(ctl status)
line_is 14 1 || fail "fan line $(line 14) on a sensor fault"
[ "$(q "$r" .led)" = fault ] || fail "LED not fault: $r"
[ "$(q "$r" .temp_c)" = null ] || fail "temp_c on a fault: $r"
line_is 27 0 && line_is 22 0 || fail "green/blue lit on a fault"
wait_for 10 line_is 17 1	# the red blink's on phase
r=$(ctl "fan off")
grep -q refused <<<"$r" || fail "fan off during a fault: $r"

# It comes back.
set_temp 45000
wait_for 10 status_until '.fault == false and .temp_c == 45'
wait_for 10 line_is 14 0
kill -0 "$AGENT_PID" || fail "pirackd died"
