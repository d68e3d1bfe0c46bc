#!/usr/bin/env bash
# sim_closed_loop.sh: the whole loop on simulated nodes, paced and then the
# same job unpaced: pacing keeps every node under limit_c and near target_c,
# pi stays exact; without it the nodes cross limit_c and get throttled.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/sim_lib.sh"
sim_require

# Two nodes of two ranks in a warm rack (48 degC: full load would settle
# near 87 degC), physics 20x (faster, the start of a job outruns the loop
# on a loaded machine); enough work for the unpaced run to heat through.
# The agents' defaults: target 70, limit 80.
sim_run -n 2 -s 2 -a 48 -t 30 --work 1 --time-scale 20 --runs uniform,unpaced

S_true '[.uniform.nodes[] | .peak_c >= .target_c] | any' \
	"paced: no node ever reached target_c: the test proves nothing"
S_true '[.uniform.nodes[] | .peak_c <= .limit_c] | all' \
	"paced: a node went above limit_c"
S_true '[.uniform.nodes[] | .over_band_pct < 10] | all' \
	"paced: after reaching target_c, a node spent 10 % or more above target_c + 2"
S_true '.uniform.error < 1e-12 and .unpaced.error < 1e-12' "pi is wrong"
# each run's energy, per node and in all (pirack-simnode --stats)
S_true '[.uniform, .unpaced | .energy_j > 0 and
	(([.nodes[].energy_j] | add) - .energy_j | fabs) < 1e-6] | all' \
	"the summary lacks the runs' energy"
# The firmware's soft limit is 80 degC (= limit_c): a node that reaches it
# is throttled, which then holds it around 80-82 degC, as on a real Pi.
S_true '[.unpaced.nodes[] | .peak_c >= .limit_c and .throttled_pct > 0]
	| any' "unpaced: no node reached limit_c and got throttled"

# the trace has both runs, the picture is a PNG
grep -q ',n1,.*,uniform$' "$T/out/trace.csv" || fail "trace.csv lacks the paced run"
grep -q ',n0,.*,unpaced$' "$T/out/trace.csv" || fail "trace.csv lacks the unpaced run"
[ "$(head -c 4 "$T/out/thermal.png" | od -An -c | tr -d ' ')" = '211PNG' ] ||
	fail "thermal.png is not a PNG"
echo "ok: energy paced $(S '.uniform.energy_j | round') J, unpaced $(S '.unpaced.energy_j | round') J"
echo "ok: paced peaks $(S '[.uniform.nodes[].peak_c] | map(tostring) | join(", ")'), unpaced peaks $(S '[.unpaced.nodes[].peak_c] | map(tostring) | join(", ")')"
