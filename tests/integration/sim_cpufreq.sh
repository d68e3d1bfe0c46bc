#!/usr/bin/env bash
# sim_cpufreq.sh: the clock lever closed on simulated nodes: the agents cap
# scaling_max_freq ([thermal] lever = cpufreq, simcluster's cpufreq run),
# the simulated Pis honour it, and the job stays under limit_c, never
# throttled, with its ranks hardly sleeping (the clock did the pacing);
# the same job unpaced crosses the limit.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/sim_lib.sh"
sim_require

# sim_closed_loop.sh's warm rack and job: full load would settle near
# 87 degC.
sim_run -n 2 -s 2 -a 48 -t 30 --work 0.5 --time-scale 40 --runs cpufreq,unpaced

S_true '[.cpufreq.nodes[] | .peak_c >= .target_c - 2] | any' \
	"cpufreq: no node came near target_c: the test proves nothing"
S_true '[.cpufreq.nodes[] | .peak_c <= .limit_c] | all' \
	"cpufreq: a node went above limit_c"
S_true '[.cpufreq.nodes[] | .throttled_pct == 0] | all' \
	"cpufreq: a node was throttled"
S_true '.cpufreq.error < 1e-12' "pi is wrong"
# the ranks' pace is what the clock could not take: near 1 when the clock
# paced the nodes (sleeping alone would hold them well under 1 here)
S_true '.cpufreq.mean_pace > 0.8' "cpufreq: the ranks slept: no clock cap"
S_true '[.unpaced.nodes[] | .peak_c >= .limit_c] | any' \
	"unpaced: no node reached limit_c: the test proves nothing"
echo "ok: cpufreq $(S .cpufreq.wall_s) s, job pace $(S .cpufreq.mean_pace), $(S '.cpufreq.energy_j | round') J; unpaced $(S .unpaced.wall_s) s, $(S '.unpaced.energy_j | round') J"
