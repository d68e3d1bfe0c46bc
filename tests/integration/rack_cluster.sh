#!/usr/bin/env bash
# rack_cluster.sh: deploy/cluster.sh end to end against real sshd servers,
# one per node, each in its own network namespace behind a bridge in the
# head's namespace (10.77.0.0/24 exists only inside these namespaces). Each
# node's sshd runs in its own mount namespace where /root (the SSH user's
# home) and a common "root" directory are bind-mounted from the node's temp
# dir, so every node has its own files. Checks: keys copied, hosts block,
# machinefile and agent.conf land, a second run changes nothing, a stopped
# node is reported and the others succeed.
source "$(dirname "$0")/../lib.sh"
t_init

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, sshd)"
t_variants plain -- "cluster.sh runs no compiled code of this variant but pirack"
[ -x /usr/sbin/sshd ] || fail "openssh-server is not installed (deploy/deps.sh)"
command -v ssh-copy-id >/dev/null || fail "openssh-client is not installed"
need_netns	# and a private mount namespace per sshd

N=3
NS=prk$$r$RANDOM		# unique per run: parallel runs don't collide
HEAD=${NS}h
NETNS=()
cleanup_ns() {
	local rc=$? ns pid
	set +e	# everything below must run, whatever fails
	for pid in "${T_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${T_PIDS[@]}"; do
		for _ in $(seq 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
	done
	for ns in "${NETNS[@]}"; do
		# whatever still runs in it (sessions) goes too
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	return $rc
}
# lib.sh's EXIT trap kills our background processes and removes $T
trap 'cleanup_ns; t_cleanup' EXIT

ip netns add "$HEAD" || skip "cannot create a network namespace"
NETNS+=("$HEAD")
ip -n "$HEAD" link set lo up
ip -n "$HEAD" link add br0 type bridge
ip -n "$HEAD" addr add 10.77.0.1/24 dev br0
ip -n "$HEAD" link set br0 up

mkdir -p "$T/noderoot" "$T/head"
ssh-keygen -q -t ed25519 -N "" -f "$T/hostkey"
# The "password" the admin would type for ssh-copy-id: a bootstrap key,
# offered by an ssh-agent, which cluster.sh's own connections never use.
ssh-keygen -q -t ed25519 -N "" -f "$T/bootstrap"
t_bg ssh-agent ssh-agent -D -a "$T/agent.sock"
wait_for 10 test -S "$T/agent.sock"
SSH_AUTH_SOCK=$T/agent.sock ssh-add -q "$T/bootstrap"

start_node() {	# i
	local i=$1 ns=${NS}n$1 d=$T/n$1
	t_bg "sshd$i" ip netns exec "$ns" unshare -m --propagation private \
		sh -c "mount --bind $d/home /root &&
		       mount --bind $d/root $T/noderoot &&
		       mount -t tmpfs tmpfs /run && mkdir /run/sshd &&
		       exec /usr/sbin/sshd -D -e -f $d/sshd_config"
	eval "SSHD_PID$i=\$LAST_PID"
}

for i in $(seq 0 $((N - 1))); do
	ns=${NS}n$i d=$T/n$i
	ip netns add "$ns"
	NETNS+=("$ns")
	ip -n "$HEAD" link add "v$i" type veth peer name eth0 netns "$ns"
	ip -n "$HEAD" link set "v$i" master br0 up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "10.77.0.1$i/24" dev eth0
	ip -n "$ns" link set eth0 up
	mkdir -p "$d/home/.ssh" "$d/root/etc"
	chmod 700 "$d/home" "$d/home/.ssh"
	# the bootstrap key is accepted from its own file, not authorized_keys
	cp "$T/bootstrap.pub" "$d/home/.ssh/bootstrap_keys"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n' \
		>"$d/root/etc/hosts"
	# an account database for install.sh --setup-only (useradd --prefix)
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$d/root/etc/passwd"
	printf 'root:x:0:\n' >"$d/root/etc/group"
	printf 'root:*:19000:0:99999:7:::\n' >"$d/root/etc/shadow"
	printf 'root:*::\n' >"$d/root/etc/gshadow"
	cat >"$d/sshd_config" <<CONF
ListenAddress 10.77.0.1$i:22
HostKey $T/hostkey
PidFile none
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes yes
AuthorizedKeysFile .ssh/authorized_keys .ssh/bootstrap_keys
Subsystem sftp internal-sftp
CONF
	start_node "$i"
done

in_head() { ip netns exec "$HEAD" "$@"; }
for i in $(seq 0 $((N - 1))); do
	wait_for 20 in_head bash -c "exec 3<>/dev/tcp/10.77.0.1$i/22"
done

cat >"$T/rack.conf" <<CONF
[rack]
name = nsrack
user = root
broker = n0
[n0]
address = 10.77.0.10
[n1]
address = 10.77.0.11
slots = 2
[n2]
address = 10.77.0.12
fan_line = 18
CONF
cat >"$T/ssh_config" <<CONF
Host *
	UserKnownHostsFile $T/head/known_hosts
	GlobalKnownHostsFile /dev/null
	LogLevel ERROR
CONF

t_install DESTDIR="$T/stage" PREFIX=/usr/local >"$T/make.log" 2>&1 ||
	fail "make install failed: $(tail -n 3 "$T/make.log")"

cluster() {	# log-name args...
	local log=$T/$1.out; shift
	HOME=$T/head SSH_AUTH_SOCK=$T/agent.sock PIRACK=$BIN/pirack \
		PIRACK_REMOTE_ROOT=$T/noderoot \
		PIRACK_RESTART_CMD='echo restart >>"$PIRACK_ROOT/restarts"' \
		in_head bash "$TOP/deploy/cluster.sh" -r "$T/rack.conf" \
		-s "$T/stage" -k "$T/head/.ssh/id_ed25519" -F "$T/ssh_config" \
		"$@" >"$log" 2>&1
	local rc=$?
	sed 's/^/  | /' "$log"
	return $rc
}

echo "first run:"
cluster run1 || fail "first run failed"
grep -qx "head: created SSH key $T/head/.ssh/id_ed25519" "$T/run1.out" ||
	fail "the head's key was not created"
for i in 0 1 2; do
	d=$T/n$i
	grep -q "^n$i: ssh key copied, hosts block updated, agent.conf updated, rack.conf updated, pirack installed ([0-9]* files), machinefile updated, agent restarted$" \
		"$T/run1.out" || fail "n$i: first run did not report every step"
	grep -qF "$(cat "$T/head/.ssh/id_ed25519.pub")" "$d/home/.ssh/authorized_keys" ||
		fail "n$i: the head's key is not in authorized_keys"
	# the rest of /etc/hosts is kept, the block follows it
	diff <(printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n'
	       "$BIN/pirack" -r "$T/rack.conf" hosts) "$d/root/etc/hosts" ||
		fail "n$i: wrong /etc/hosts"
	diff <(printf 'n0:4\nn1:2\nn2:4\n') "$d/home/machinefile" ||
		fail "n$i: wrong machinefile"
	diff <("$BIN/pirack" -r "$T/rack.conf" agent-config "n$i") \
		"$d/root/etc/pirack/agent.conf" || fail "n$i: wrong agent.conf"
	cmp "$T/stage/usr/local/bin/pirack" "$d/root/usr/local/bin/pirack" ||
		fail "n$i: pirack not installed"
	grep -q '^pirack:' "$d/root/etc/passwd" || fail "n$i: no pirack user"
	grep -q '^gpio:.*pirack' "$d/root/etc/group" ||
		fail "n$i: pirack is not in group gpio"
	grep -q '^pirack:x:[0-9]*:root$' "$d/root/etc/group" ||
		fail "n$i: the SSH user is not in group pirack (the agent's socket)"
	[ "$(wc -l <"$d/root/restarts")" = 1 ] || fail "n$i: not restarted once"
done
grep -qx "line = 18" "$T/n2/root/etc/pirack/agent.conf" ||
	fail "n2's override is missing from its agent.conf"

echo "second run:"
cluster run2 || fail "second run failed"
for i in 0 1 2; do
	grep -qx "n$i: unchanged" "$T/run2.out" || fail "n$i changed on re-run"
	[ "$(wc -l <"$T/n$i/root/restarts")" = 1 ] ||
		fail "n$i: restarted on a re-run"
done
grep -qx "cluster.sh: 3 of 3 nodes done" "$T/run2.out" || fail "bad summary"

echo "n1 stopped, rack changed:"
kill "$SSHD_PID1"
wait_for 10 bash -c "! kill -0 $SSHD_PID1"
sed -i 's/^slots = 2$/slots = 3/' "$T/rack.conf"
if cluster run3; then
	fail "a run with a node down exited 0"
fi
grep -q "^n1: DOWN (.*), skipped$" "$T/run3.out" || fail "n1 not reported down"
for i in 0 2; do
	grep -qx "n$i: rack.conf updated, machinefile updated" "$T/run3.out" ||
		fail "n$i was not updated while n1 was down"
	grep -qx "n1:3" "$T/n$i/home/machinefile" ||
		fail "n$i: machinefile not updated"
done
grep -qx "n1:2" "$T/n1/home/machinefile" || fail "n1 was touched while down"
grep -qx "cluster.sh: 2 of 3 nodes done" "$T/run3.out" || fail "bad summary"

echo "upgrade, one node:"
echo '.\" a newer build' >>"$T/stage/usr/local/share/man/man1/pirack.1"
cluster run4 n2 || fail "upgrading n2 failed"
grep -qx "n2: pirack installed (1 files), agent restarted" "$T/run4.out" ||
	fail "n2 was not upgraded"
grep -q "^n[01]:" "$T/run4.out" && fail "nodes not named were touched"
cmp "$T/stage/usr/local/share/man/man1/pirack.1" \
	"$T/n2/root/usr/local/share/man/man1/pirack.1" || fail "n2 not upgraded"
[ "$(wc -l <"$T/n2/root/restarts")" = 2 ] || fail "n2 not restarted once more"
[ "$(wc -l <"$T/n0/root/restarts")" = 1 ] || fail "n0 restarted"
echo "ok"
