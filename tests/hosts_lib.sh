# tests/hosts_lib.sh: N simulated hosts on one machine, each its own network, mount (own /dev/shm and /tmp), UTS, IPC and PID namespace, on a bridge; MPI ranks start there through hydra's ssh launcher (source it; root only).
# shellcheck shell=bash
#
#   hosts_possible            0 if hosts can be made here, else prints why, 1
#   hosts_up TAG N DIR [KEEP...]
#                             the bridge TAG (<= 9 chars, unique per run:
#                             names its links), hosts 0..N-1 named TAG-h<i>
#                             at $HOSTS_PFX.(10+i)/24, the bridge at .1;
#                             DIR gets hosts.map and ssh (hydra's
#                             -launcher-exec); KEEP dirs under /tmp stay
#                             visible in the hosts (DIR is kept always)
#   hosts_exec I CMD...       run CMD in host I (all its namespaces)
#   hosts_cmd I               the words that run a command there (nsenter
#                             ...), for a background job: its PID is
#                             nsenter's, which forks to enter the PID
#                             namespace; hosts_child PID gives the command's
#                             own (to signal it)
#   hosts_addr I              host I's address
#   hosts_machinefile SLOTS   a hydra machinefile, SLOTS ranks per host
#   hosts_mpiexec_opts FILE   sets HOSTS_MPIEXEC_OPTS: hydra's options that
#                             start the ranks of machinefile FILE in the
#                             hosts, MPI over TCP on their links
#   hosts_link_bytes          rx+tx bytes all host links carried so far
#   hosts_down                remove everything (idempotent; for traps)
#
# Why so much separation: with only a network namespace, UCX still sees the
# same /dev/shm, SysV IPC and PIDs, maps the other "hosts'" shared memory
# and sends MPI data through it, so nothing but hydra's and MQTT's control
# traffic crosses the links. Here each host is held by one long-lived
# process, PID 1 of its namespaces (unshare); everything run there
# (nsenter) dies with it. The boot id is still shared: run MPI with
# UCX_TLS=tcp,self (hosts_mpiexec_opts has it) so UCX does not try shared
# memory it cannot reach. Needs root, unshare/nsenter (util-linux), ip (iproute2).

HOSTS_TAG='' HOSTS_N=0 HOSTS_PFX='' HOSTS_DIR=''
HOSTS_HOLDER=() HOSTS_PID=() HOSTS_MPIEXEC_OPTS=()

hosts_possible() {
	local t
	[ "$(id -u)" = 0 ] || { echo "needs root"; return 1; }
	for t in unshare nsenter ip; do
		command -v $t >/dev/null || { echo "$t is not installed"; return 1; }
	done
	# every namespace kind a host needs, and mounts inside it
	unshare --net --mount --uts --ipc --pid --fork --mount-proc \
		sh -c 'mount -t tmpfs tmpfs /dev/shm && hostname pirack-probe' \
		>/dev/null 2>&1 ||
		{ echo "no network/mount/UTS/IPC/PID namespaces here"; return 1; }
	# a name of this process's own: tests run two at a time
	local br=hp$(($$ % 10000000))
	ip link add "$br" type bridge 2>/dev/null ||
		{ echo "cannot create a bridge"; return 1; }
	ip link del "$br"
}

# The body run as PID 1 of a new host: own /dev/shm and /tmp (the kept
# dirs bound back from descriptors opened before /tmp was covered), its
# name, loopback; then it says so and waits to be killed.
hosts_holder_script() {
	cat <<'EOF'
set -e
name=$1 ready=$2; shift 2
i=3
for k in "$@"; do eval "exec $i<\"\$k\""; i=$((i + 1)); done
mount -t tmpfs -o mode=1777,size=256m tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
i=3
for k in "$@"; do
	mkdir -p "$k"
	mount --no-canonicalize --bind "/proc/self/fd/$i" "$k"
	i=$((i + 1))
done
hostname "$name"
ip link set lo up
echo ok >"$ready"
exec sleep infinity
EOF
}

hosts_up() {	# TAG N DIR [KEEP...]
	local tag=$1 n=$2 dir=$3 i holder pid ready end
	shift 3
	local keep=("$dir" "$@") k
	[ ${#tag} -le 9 ] || { echo "hosts_up: tag '$tag' is over 9 chars" >&2; return 1; }
	HOSTS_TAG=$tag HOSTS_N=0 HOSTS_DIR=$dir
	# only dirs under /tmp are covered by the hosts' own /tmp
	local under=()
	for k in "${keep[@]}"; do
		k=$(cd "$k" && pwd -P) || return 1
		case $k in /tmp/*) under+=("$k") ;; esac
	done
	for _ in $(seq 20); do
		HOSTS_PFX=10.$((100 + RANDOM % 100)).$((RANDOM % 250 + 1))
		ip -o addr | grep -qF " $HOSTS_PFX." || break
	done
	hosts_holder_script >"$dir/holder.sh"
	ip link add "$tag" type bridge || return 1
	ip addr add "$HOSTS_PFX.1/24" dev "$tag"
	ip link set "$tag" up
	: >"$dir/hosts.map"
	for ((i = 0; i < n; i++)); do
		ready=$dir/h$i.ready
		rm -f "$ready"
		unshare --net --mount --uts --ipc --pid --fork --mount-proc \
			--propagation private \
			sh "$dir/holder.sh" "$tag-h$i" "$ready" "${under[@]}" \
			</dev/null >"$dir/h$i.holder.log" 2>&1 &
		holder=$!
		HOSTS_HOLDER[i]=$holder HOSTS_N=$((i + 1))
		end=$((SECONDS + 10))
		until [ -s "$ready" ]; do
			kill -0 "$holder" 2>/dev/null || {
				echo "hosts_up: host $i did not start: $(cat "$dir/h$i.holder.log")" >&2
				return 1
			}
			[ $SECONDS -lt $end ] || { echo "hosts_up: host $i: no answer in 10 s" >&2; return 1; }
			sleep 0.02
		done
		# PID 1 of the host, seen from here: unshare's one child
		pid=$(cat "/proc/$holder/task/$holder/children")
		pid=${pid%% *}
		[ -n "$pid" ] || { echo "hosts_up: host $i has no PID 1" >&2; return 1; }
		HOSTS_PID[i]=$pid
		ip link add "$tag-v$i" type veth peer name "$tag-p$i"
		ip link set "$tag-p$i" netns "$pid"
		ip link set "$tag-v$i" master "$tag" up
		hosts_exec "$i" ip link set "$tag-p$i" name eth0
		hosts_exec "$i" ip addr add "$HOSTS_PFX.$((10 + i))/24" dev eth0
		hosts_exec "$i" ip link set eth0 up
		echo "$HOSTS_PFX.$((10 + i)) $pid" >>"$dir/hosts.map"
	done
	# hydra calls this like ssh: [-x ...] HOST COMMAND...; it runs the
	# command in every namespace of the host with that address
	cat >"$dir/ssh" <<EOF
#!/bin/sh
while [ \$# -gt 0 ]; do case \$1 in -*) shift ;; *) break ;; esac; done
pid=\$(awk -v h="\$1" '\$1 == h { print \$2 }' "$dir/hosts.map")
[ -n "\$pid" ] || { echo "hosts ssh: unknown host \$1" >&2; exit 255; }
shift
exec nsenter -t "\$pid" -n -m -u -i -p sh -c "\$*"
EOF
	chmod +x "$dir/ssh"
}

hosts_cmd() { echo nsenter -t "${HOSTS_PID[$1]}" -n -m -u -i -p; }

hosts_exec() {	# I CMD...
	local i=$1; shift
	$(hosts_cmd "$i") "$@"
}

hosts_child() {	# PID of a hosts_cmd job -> its command's PID (10 s at most)
	local pid=$1 c='' end=$((SECONDS + 10))
	until c=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null) && [ -n "$c" ]; do
		kill -0 "$pid" 2>/dev/null || return 1
		[ $SECONDS -lt $end ] || return 1
		sleep 0.02
	done
	echo "${c%% *}"
}

hosts_addr() { echo "$HOSTS_PFX.$((10 + $1))"; }

hosts_machinefile() {	# SLOTS
	local i
	for ((i = 0; i < HOSTS_N; i++)); do
		echo "$(hosts_addr $i):$1"
	done
}

hosts_mpiexec_opts() {	# MACHINEFILE
	# The launcher: DIR/ssh (hosts_up). TCP between the hosts (the boot
	# id is shared, so UCX would otherwise try shared memory it cannot
	# reach), on the host link.
	HOSTS_MPIEXEC_OPTS=(-f "$1" -iface "$HOSTS_TAG" -launcher ssh
			    -launcher-exec "$HOSTS_DIR/ssh"
			    -genv UCX_TLS tcp,self -genv UCX_NET_DEVICES eth0)
}

hosts_link_bytes() {
	local i n=0 f
	for ((i = 0; i < HOSTS_N; i++)); do
		for f in rx_bytes tx_bytes; do
			n=$((n + $(cat "/sys/class/net/$HOSTS_TAG-v$i/statistics/$f" 2>/dev/null || echo 0)))
		done
	done
	echo "$n"
}

hosts_down() {	# safe under set -e: every step may fail, none stops the rest
	local i pid
	for ((i = 0; i < HOSTS_N; i++)); do
		# PID 1 of a host takes everything in it along
		pid=${HOSTS_PID[$i]:-}
		if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
		pid=${HOSTS_HOLDER[$i]:-}
		if [ -n "$pid" ]; then
			kill -KILL "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
		ip link del "$HOSTS_TAG-v$i" 2>/dev/null || true
	done
	if [ -n "$HOSTS_TAG" ]; then ip link del "$HOSTS_TAG" 2>/dev/null || true; fi
	HOSTS_N=0 HOSTS_HOLDER=() HOSTS_PID=()
	return 0
}
