#!/usr/bin/env bash
# A job starting on a node that idles close to its limit is a load step
# pirackd cannot see yet: the first "pace" request after 5 s without one
# caps the controller's integral by the headroom (pacectl_job_start), so
# the reply is below the 1 that status gave just before. A node idling
# 10 K or more under the limit starts its job at full pace. On a simulated
# node the 5 s are its own clock's (pirack-simnode's clock_us, which a
# loaded host slows), not the wall clock x time_scale.
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

# A simulated node (time_scale 10) whose clock stands still, as a busy
# host's nearly does: a request a wall second after the last is no new
# job (10 s by the wall clock x time_scale, 0 s of the node's time); one
# after the node's clock moved 6 s is. (A start is seen in its cap: the
# job's first start at 75 °C halves the integral; 12 s of the node's time
# with requests every 2 s, the same job, bring it back up; a second start
# would cap it again.)
# Written as pirack-simnode writes it, whole (a file the agent's 50 ms
# sampler caught truncated read as no clock, and the 6 s step was lost).
sim_clock() {
	mkdir -p "$SYS/pirack-sim"
	put_whole "$SYS/pirack-sim/clock_us" "$1"
}
seq_now() { ctl status | jq -r .seq; }
ticks() { local s0; s0=$(seq_now); wait_for 10 status_until ".seq > $s0 + $1"; }
agent_setup thermal.lever=sleep thermal.target_c=77 thermal.limit_c=80 \
	thermal.source=sim sim.time_scale=10
sim_clock 1000000
set_temp 75000
agent_start
wait_for 10 status_until '.temp_c == 75 and .seq > 3'
r=$(ctl pace)
in_range "$(q "$r" .pace)" 0.55 0.75 || fail "sim: the job's start: $r"
for i in $(seq 2 13); do
	sim_clock $((i * 1000000))
	ticks 2
	[ $((i % 2)) = 1 ] || ctl pace >/dev/null
done
r=$(ctl pace)
in_range "$(q "$r" .pace)" 0.9 1.01 || fail "sim: 12 s into the job: $r"
ticks 20	# a wall second, 50 ms samples; the node's clock still
r=$(ctl pace)
in_range "$(q "$r" .pace)" 0.9 1.01 ||
	fail "sim: a request a wall second later, the node's clock still, capped as a new job: $r"
sim_clock 19000000
ticks 1	# the agent's plant clock is its ticks'
r=$(ctl pace)
in_range "$(q "$r" .pace)" 0.5 0.88 ||
	fail "sim: a request after 6 s of the node's time: not a new job: $r"
agent_stop_clean "$AGENT_PID" "$T/pirackd.log"
echo ok
