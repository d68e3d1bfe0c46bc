# deploy/simnetns.sh: simcluster.sh --netns: each simulated node in a network
# namespace of its own on a bridge, with its own address (sourced; uses
# NODES, SLOTS, RUN; sets NET_TAG, NET_PFX, BROKER_HOST, writes
# RUN/machinefile, RUN/hosts.map and RUN/netns-ssh, hydra's launcher).
NET_TAG=psim$(($$ % 100000)) NET_UP=0 BROKER_HOST=127.0.0.1
ns_of() { echo "$NET_TAG-n$1"; }

net_up() {
	local i ns
	for _ in $(seq 20); do
		NET_PFX=10.$((100 + RANDOM % 100)).$((RANDOM % 250 + 1))
		ip -o addr | grep -qF " $NET_PFX." || break
	done
	NET_UP=1
	ip link add "$NET_TAG" type bridge
	ip addr add "$NET_PFX.1/24" dev "$NET_TAG"
	ip link set "$NET_TAG" up
	for ((i = 0; i < NODES; i++)); do
		ns=$(ns_of $i)
		ip netns add "$ns"
		ip link add "$NET_TAG-v$i" type veth peer name eth0 netns "$ns"
		ip link set "$NET_TAG-v$i" master "$NET_TAG" up
		ip netns exec "$ns" ip addr add "$NET_PFX.$((10 + i))/24" dev eth0
		ip netns exec "$ns" ip link set eth0 up
		ip netns exec "$ns" ip link set lo up
		echo "$NET_PFX.$((10 + i)):$SLOTS" >>"$RUN/machinefile"
		echo "$NET_PFX.$((10 + i)) $ns" >>"$RUN/hosts.map"
	done
	# hydra calls this like ssh: [-x ...] HOST COMMAND...; it runs the
	# command in the namespace of the node with that address
	cat >"$RUN/netns-ssh" <<EOF
#!/bin/sh
while [ \$# -gt 0 ]; do case \$1 in -*) shift ;; *) break ;; esac; done
ns=\$(awk -v h="\$1" '\$1 == h { print \$2 }' "$RUN/hosts.map")
[ -n "\$ns" ] || { echo "netns-ssh: unknown host \$1" >&2; exit 255; }
shift
exec ip netns exec "\$ns" sh -c "\$*"
EOF
	chmod +x "$RUN/netns-ssh"
	BROKER_HOST=$NET_PFX.1
}

link_bytes() {	# bytes the node links carried so far (--netns), else null
	local i n=0 f
	[ $NETNS = 1 ] || { echo null; return; }
	for ((i = 0; i < NODES; i++)); do
		for f in rx_bytes tx_bytes; do
			n=$((n + $(cat "/sys/class/net/$NET_TAG-v$i/statistics/$f")))
		done
	done
	echo "$n"
}

net_down() {
	local i
	[ "$NET_UP" = 1 ] || return 0
	for ((i = 0; i < NODES; i++)); do
		ip netns del "$(ns_of $i)" 2>/dev/null || true
	done
	ip link del "$NET_TAG" 2>/dev/null || true
	NET_UP=0
}

