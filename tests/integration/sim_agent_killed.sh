#!/usr/bin/env bash
# sim_agent_killed.sh: one node's agent is killed (SIGKILL) in mid-job: the
# node fails safe (its fan line goes to 1, as systemd's ExecStopPost runs
# pirackd --failsafe), the job still finishes with the right pi, and the
# summary says what happened. n1@0: killed as soon as n1's ranks have
# reported to their agent, so the kill lands in mid-job on any machine.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/sim_lib.sh"
sim_require

sim_run -n 2 -s 2 -a 40 -t 16 --work 0.2 --time-scale 40 --runs paced \
	--kill-agent n1@0

S_true '.paced.error < 1e-12' "pi is wrong"
S_true '[.paced.events[] | test("n1 agent killed.*fan line 1$")] | any' \
	"the summary does not say n1's agent was killed and its fan is on"
# n1's ranks kept working without their agent
S_true '(.paced.nodes[] | select(.node == "n1") | .work_share) > 0' \
	"n1 did no work"
echo "ok: $(S '.paced.events[0]'); job $(S .paced.seconds) s"
