#!/usr/bin/env bash
# A job starting on a node that idles close to its limit is a load step
# pirackd cannot see yet: the first "pace" request after 5 s without one
# caps the controller's integral by the headroom (pacectl_job_start), so
# the reply is below the 1 that status gave just before. A node idling
# 10 K or more under the limit starts its job at full pace.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/agent_lib.sh"
agent_setup thermal.lever=sleep thermal.target_c=77 thermal.limit_c=80
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v > lo && v < hi) }'; }

# 68 °C: 12 K under the limit, left alone
set_temp 68000
agent_start
wait_for 10 status_until '.temp_c == 68 and .seq > 3'
r=$(ctl pace)
[ "$(q "$r" .pace)" = 1 ] || fail "idle at 68 °C: the job starts paced: $r"

# 75 °C: 5 K under the limit; the integral capped at 5 K / 10 K = 0.5,
# plus the proportional part (77 - 75) / 15
agent_restart_at 75000
wait_for 10 status_until '.temp_c == 75 and .seq > 3'
st=$(ctl status)
[ "$(q "$st" .pace)" = 1 ] || fail "idle at 75 °C: pace before any job: $st"
r=$(ctl pace)
in_range "$(q "$r" .pace)" 0.55 0.75 ||
	fail "a job starting at 75 °C: $r (want about 0.63)"
st=$(ctl status)
in_range "$(q "$st" .pace)" 0.55 0.8 || fail "status after the start: $st"
agent_stop_clean "$AGENT_PID" "$T/pirackd.log"
