#!/usr/bin/env bash
# sim_node_mode.sh: one node hotter than the other (higher ambient): in node
# mode it does less of the work and the job finishes sooner than in uniform
# mode, where every rank waits for the hot node's pace. Both runs' lengths
# are in the simulated Pis' time (the CPU clock, sim_lib.sh), which the
# machine's load between them does not change: rack_s, the job on a rack
# whose Pis share one clock (each node's clock runs at the CPU share its
# ranks get, so the two nodes' times part).
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/sim_lib.sh"
sim_require

# n1's air is warm enough that even a short job must be paced there
# (idle 73 C with the fan, 84 C loaded), n0's never (57 and 68 C).
sim_run -n 2 -s 2 -a 40,56 -t 24 --work 0.4 --time-scale 40 --runs node,uniform

S_true '.node.error < 1e-12 and .uniform.error < 1e-12' "pi is wrong"
S_true '(.node.nodes | map({(.node): .work_share}) | add) as $w
	| $w.n1 < $w.n0' "node mode: the hot node n1 did not do less work"
# 1 / sum(share / node time) lies between the nodes' times
S_true '[.node, .uniform] | all((.nodes | map(.job_simulated_s)) as $t
	| .rack_s >= ($t | min) - 1e-6 and .rack_s <= ($t | max) + 1e-6)' \
	"rack_s is not between the nodes' simulated times"
S_true '.node.rack_s < .uniform.rack_s' \
	"node mode was not faster than uniform mode"
echo "ok: node mode $(S .node.rack_s) s on the rack's clock ($(S .node.simulated_s) s on the furthest node's), $(S .node.wall_s) s wall (n1 share $(S '.node.nodes[1].work_share')), uniform $(S .uniform.rack_s) s ($(S .uniform.simulated_s) s), $(S .uniform.wall_s) s wall"
