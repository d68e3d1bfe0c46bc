#!/usr/bin/env bash
# [thermal] lever = cpufreq: pirackd caps a fake tree's scaling_max_freq
# first and gives the ranks ("pace") only what the clock cannot do; cool
# gives the clock back, and so does SIGTERM. Without cpufreq it paces by
# sleeping. The default, lever = auto, caps the clock where it can.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/agent_lib.sh"
agent_setup thermal.lever=cpufreq
POL=$SYS/devices/system/cpu/cpufreq/policy0
mkdir -p "$POL"
echo 600000 >"$POL/cpuinfo_min_freq"
echo 1500000 >"$POL/cpuinfo_max_freq"
echo 1500000 >"$POL/scaling_max_freq"
cap() { cat "$POL/scaling_max_freq"; }
pace_until() { ctl pace | jq -e "$1" >/dev/null; }

set_temp 40000
agent_start
# settled: the agent has read the cool node (its fail-safe fan off again)
wait_for 10 status_until '.cpu_cap_mhz == 1500 and .fan == "off"'
[ "$(cap)" = 1500000 ] || fail "cool: scaling_max_freq $(cap)"

# Warm: a node found at 71 °C (1 K over target 70; an agent starting,
# not a 31 K step, which the controller would take for a load it must cut
# and unwind its integral on): its pace is about 0.83, falling by 0.013 a
# second, within the clock's 0.4..1 for half a minute: the clock takes
# it, the ranks run at 1.
agent_restart_at 71000
wait_for 30 status_until '.temp_c == 71 and .pace < 0.95 and .pace > 0.45'
r=$(ctl pace)
[ "$(q "$r" .pace)" = 1 ] || fail "warm: the ranks are paced: $r"
mhz=$(q "$r" .cpu_cap_mhz)
awk -v m="$mhz" 'BEGIN { exit !(m > 600 && m < 1500) }' ||
	fail "warm: cap $mhz MHz: $r"
[ "$(cap)" -lt 1500000 ] && [ "$(cap)" -gt 600000 ] ||
	fail "warm: scaling_max_freq $(cap)"

# Hot (78 °C): the pace falls below fmin/fmax 0.4: the clock at its
# minimum, the ranks sleep for the rest.
set_temp 78000
wait_for 10 pace_until '.cpu_cap_mhz == 600 and .pace < 1'
[ "$(cap)" = 600000 ] || fail "hot: scaling_max_freq $(cap)"
st=$(ctl status)
[ "$(q "$st" .cpu_cap_mhz)" = 600 ] || fail "hot: status $st"

# Cool again: the clock back at full speed, the ranks free.
set_temp 40000
wait_for 15 pace_until '.cpu_cap_mhz == 1500 and .pace == 1'
[ "$(cap)" = 1500000 ] || fail "cool: scaling_max_freq $(cap)"

# Capped when stopped: a clean stop gives the clock back.
set_temp 78000
wait_for 10 pace_until '.cpu_cap_mhz == 600'
[ "$(cap)" = 600000 ] || fail "hot again: scaling_max_freq $(cap)"
agent_stop_clean "$AGENT_PID" "$T/pirackd.log"
[ "$(cap)" = 1500000 ] || fail "SIGTERM left scaling_max_freq at $(cap)"

# A reload takes the lever up and puts it down (the clock given back).
sed -i 's/^lever = cpufreq/lever = sleep/' "$CONF"
set_temp 40000
agent_start
wait_for 10 status_until '.seq > 0 and .cpu_cap_mhz == null'
sed -i 's/^lever = sleep/lever = cpufreq/' "$CONF"
kill -HUP "$AGENT_PID"
set_temp 78000
wait_for 10 pace_until '.cpu_cap_mhz == 600'
[ "$(cap)" = 600000 ] || fail "reload: scaling_max_freq $(cap)"
sed -i 's/^lever = cpufreq/lever = sleep/' "$CONF"
kill -HUP "$AGENT_PID"
wait_for 10 pace_until '.cpu_cap_mhz == null'
[ "$(cap)" = 1500000 ] || fail "lever = sleep left scaling_max_freq $(cap)"
agent_stop_clean "$AGENT_PID" "$T/pirackd.log"

# No cpufreq on this node: logged, paced by sleeping, cpu_cap_mhz null.
sed -i 's/^lever = sleep/lever = cpufreq/' "$CONF"
rm -r "$SYS/devices/system/cpu"
agent_start
grep -q 'lever = cpufreq: .*no cpufreq policy.*pacing by sleeping' \
	"$T/pirackd.log" || fail "no fallback logged: $(cat "$T/pirackd.log")"
wait_for 10 pace_until '.cpu_cap_mhz == null and .pace == 0'
agent_stop_clean "$AGENT_PID" "$T/pirackd.log"

# The defaults (no lever line, target_c = auto): auto, quietly sleeping
# without cpufreq, the target 3 K under the limit...
sed -i '/^lever = /d; s/^target_c = .*/target_c = auto/' "$CONF"
grep -qx 'target_c = auto' "$CONF" || fail "no target_c line in $CONF"
set_temp 81000	# over the limit: pace 0 whatever the target
agent_start
wait_for 10 pace_until '.cpu_cap_mhz == null and .pace == 0'
r=$(ctl pace)
[ "$(q "$r" .target_c)" = 77 ] || fail "auto, sleeping: target_c: $r"
grep -q 'lever = auto: .*no cpufreq policy.*pacing by sleeping' \
	"$T/pirackd.log" || fail "auto: no note: $(cat "$T/pirackd.log")"
agent_stop_clean "$AGENT_PID" "$T/pirackd.log"
# ... and capping the clock where there is one.
mkdir -p "$POL"
echo 600000 >"$POL/cpuinfo_min_freq"
echo 1500000 >"$POL/cpuinfo_max_freq"
echo 1500000 >"$POL/scaling_max_freq"
agent_start
wait_for 10 pace_until '.cpu_cap_mhz == 600'
[ "$(cap)" = 600000 ] || fail "auto: scaling_max_freq $(cap)"
# ... 2 K under it capping the clock
r=$(ctl pace)
[ "$(q "$r" .target_c)" = 78 ] || fail "auto, the clock: target_c: $r"
agent_stop_clean "$AGENT_PID" "$T/pirackd.log"
[ "$(cap)" = 1500000 ] || fail "auto: SIGTERM left scaling_max_freq $(cap)"
