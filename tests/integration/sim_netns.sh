#!/usr/bin/env bash
# sim_netns.sh: --netns (root): each simulated node a separate host
# (tests/hosts_lib.sh: own network, mount, UTS, IPC and PID namespace), the
# ranks started there through hydra's launcher; the job gives the right pi,
# MPI traffic crosses the node links, and nothing of the set-up is left
# afterwards. Then the unmodified job with each rank under `pirack run` on
# its host, as `mpiexec -f machinefile pirack run -- python3 pi.py` runs
# on a rack: each wrapper finds its own host's agent and holds its rank
# to that node's pace.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/sim_lib.sh"
sim_require
source "$TOP/tests/hosts_lib.sh"
why=$(hosts_possible) || skip "--netns: $why"

# Air 52 degC: both nodes reach target within the job (paced 78.3-78.6,
# wrapped 78.7-78.8 C here, held 26-28 %).
sim_run --netns -n 2 -s 1 -a 52 -t 16 --time-scale 20 --runs paced,wrapper

S_true '.paced.error < 1e-12' "pi is wrong"
S_true '[.paced.nodes[] | .samples > 0] | all' "a node reported nothing"
S_true '.paced.link_bytes > 0' "nothing crossed the node links"
S_true '.wrapper.error < 1e-12 and .wrapper.link_bytes > 0' \
	"wrapper: pi is wrong or nothing crossed the node links"
S_true '[.wrapper.nodes[] | .wrapped_ranks == 1 and .stopped_pct > 0
	and .peak_c <= .limit_c + 0.5] | all' \
	"wrapper: a rank was not wrapped, never held, or its node went over the limit"
# its namespaces and links (named after the tag) are gone
tag=$(S .config.netns)
[ -n "$tag" ] && [ "$tag" != null ] || fail "summary.json has no netns tag"
! ip netns list | grep -q "^$tag-" || fail "namespaces left: $(ip netns list | grep "^$tag-")"
! ip -o link | grep -q " $tag" || fail "links left: $(ip -o link | grep " $tag")"
! pgrep -f "holder.sh $tag-h" >/dev/null || fail "hosts left: $(pgrep -af "holder.sh $tag-h")"
echo "ok: pi $(S .paced.pi) in $(S .paced.seconds) s across namespaces ($tag); wrapped: held $(S '[.wrapper.nodes[].stopped_pct] | map(tostring + "%") | join(", ")'), peaks $(S '[.wrapper.nodes[].peak_c] | map(tostring) | join(", ")')"
