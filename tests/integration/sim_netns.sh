#!/usr/bin/env bash
# sim_netns.sh: --netns (root): each simulated node a separate host
# (tests/hosts_lib.sh: own network, mount, UTS, IPC and PID namespace), the
# ranks started there through hydra's launcher; the job gives the right pi,
# MPI traffic crosses the node links, and nothing of the set-up is left
# afterwards.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/sim_lib.sh"
sim_require
source "$TOP/tests/hosts_lib.sh"
why=$(hosts_possible) || skip "--netns: $why"

sim_run --netns -n 2 -s 1 -a 40 -t 16 --time-scale 20 --runs paced

S_true '.paced.error < 1e-12' "pi is wrong"
S_true '[.paced.nodes[] | .samples > 0] | all' "a node reported nothing"
S_true '.paced.link_bytes > 0' "nothing crossed the node links"
# its namespaces and links (named after the tag) are gone
tag=$(S .config.netns)
[ -n "$tag" ] && [ "$tag" != null ] || fail "summary.json has no netns tag"
! ip netns list | grep -q "^$tag-" || fail "namespaces left: $(ip netns list | grep "^$tag-")"
! ip -o link | grep -q " $tag" || fail "links left: $(ip -o link | grep " $tag")"
! pgrep -f "holder.sh $tag-h" >/dev/null || fail "hosts left: $(pgrep -af "holder.sh $tag-h")"
echo "ok: pi $(S .paced.pi) in $(S .paced.seconds) s across namespaces ($tag)"
