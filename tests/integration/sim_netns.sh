#!/usr/bin/env bash
# sim_netns.sh: --netns (root): each simulated node in its own network
# namespace, the ranks started there through hydra's launcher; the job
# gives the right pi, MPI traffic crosses the node links, and nothing of
# the network set-up is left afterwards.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/sim_lib.sh"
sim_require
[ "$(id -u)" = 0 ] || skip "--netns needs root"
need_netns

sim_run --netns -n 2 -s 1 -a 40 -t 16 --time-scale 20 --runs paced

S_true '.paced.error < 1e-12' "pi is wrong"
S_true '[.paced.nodes[] | .samples > 0] | all' "a node reported nothing"
S_true '.paced.link_bytes > 0' "nothing crossed the node links"
# its namespaces and links (named after the tag) are gone
tag=$(S .config.netns)
[ -n "$tag" ] && [ "$tag" != null ] || fail "summary.json has no netns tag"
! ip netns list | grep -q "^$tag-" || fail "namespaces left: $(ip netns list | grep "^$tag-")"
! ip -o link | grep -q " $tag" || fail "links left: $(ip -o link | grep " $tag")"
echo "ok: pi $(S .paced.pi) in $(S .paced.seconds) s across namespaces ($tag)"
