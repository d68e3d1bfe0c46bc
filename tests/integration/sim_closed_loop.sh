#!/usr/bin/env bash
# sim_closed_loop.sh: the whole loop on simulated nodes, paced (the default
# mode: node) and then the same job unpaced: pacing keeps every node under
# limit_c from the job's start to its end and near target_c, never
# throttled, pi stays exact; without it the nodes cross limit_c and get
# throttled.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/sim_lib.sh"
sim_require

# Two nodes of two ranks in a warm rack (48 degC: full load would settle
# near 87 degC); enough work for the unpaced run to heat through: 160
# simulated seconds of it (4 s of a rank's CPU x 40). On the CPU clock
# (sim_lib.sh) the 4 ranks on 2 cores run the Pis at 20x on a quiet
# machine, slower on a busy one, the job's length in the Pis' time the
# same. The agents' defaults: target 77, limit 80.
sim_run -n 2 -s 2 -a 48 -t 30 --work 0.5 --time-scale 40 --runs paced,unpaced

S_true '[.paced.nodes[] | .peak_c >= .target_c - 2] | any' \
	"paced: no node came near target_c: the test proves nothing"
# The peak covers the whole job, its start included (the ranks' set-up
# and first chunks run before the agent has seen any heat).
S_true '[.paced.nodes[] | .peak_c <= .limit_c] | all' \
	"paced: a node went above limit_c"
S_true '[.paced.nodes[] | .throttled_pct == 0] | all' \
	"paced: a node was throttled"
S_true '.paced.error < 1e-12 and .unpaced.error < 1e-12' "pi is wrong"
# each run's energy, per node and in all (pirack-simnode --stats)
S_true '[.paced, .unpaced | .energy_j > 0 and
	(([.nodes[].energy_j] | add) - .energy_j | fabs) < 1e-6] | all' \
	"the summary lacks the runs' energy"
# The firmware's soft limit is 80 degC (= limit_c): a node that reaches it
# is throttled, which then holds it around 80-82 degC, as on a real Pi.
S_true '[.unpaced.nodes[] | .peak_c >= .limit_c and .throttled_pct > 0]
	| any' "unpaced: no node reached limit_c and got throttled"

# the trace has both runs, the picture is a PNG
grep -q ',n1,.*,paced$' "$T/out/trace.csv" || fail "trace.csv lacks the paced run"
grep -q ',n0,.*,unpaced$' "$T/out/trace.csv" || fail "trace.csv lacks the unpaced run"
[ "$(head -c 4 "$T/out/thermal.png" | od -An -c | tr -d ' ')" = '211PNG' ] ||
	fail "thermal.png is not a PNG"
echo "ok: energy paced $(S '.paced.energy_j | round') J, unpaced $(S '.unpaced.energy_j | round') J"
echo "ok: paced peaks $(S '[.paced.nodes[].peak_c] | map(tostring) | join(", ")') in $(S .paced.wall_s) s, unpaced peaks $(S '[.unpaced.nodes[].peak_c] | map(tostring) | join(", ")') in $(S .unpaced.wall_s) s"
