#!/usr/bin/env bash
# cluster.sh: from the head node, sets up every node of the rack over SSH.
#
#   deploy/cluster.sh [-r RACK] [-s STAGE] [-k KEY] [-F SSH_CONFIG] [NODE...]
#
# For each node of the rack file (or only the NODEs named): creates the
# head's SSH key if there is none, copies it (ssh-copy-id: asks for the
# node's password once), then installs what differs: the /etc/hosts block,
# ~/machinefile, /etc/pirack/agent.conf (pirack agent-config NODE),
# /etc/pirack/rack.conf and the pirack files (binaries, unit, man pages);
# runs install.sh --setup-only (user, groups, udev rule; the SSH user joins
# group pirack for the agent's socket) and restarts the
# agent when its files changed. Prints one line per node saying what
# changed; a node that cannot be reached is reported and skipped, the
# others go on. A second run changes nothing. Exit status: 0 when every
# node is done, 1 when any failed, 2 on bad usage. The SSH user needs sudo
# without a password on the nodes (or is root).
#
#   -r RACK        rack inventory (default $PIRACK_RACK or /etc/pirack/rack.conf)
#   -s STAGE       installed tree to push (default: make install DESTDIR=tmp
#                  PREFIX=/usr/local from this source tree)
#   -k KEY         the head's SSH key (default ~/.ssh/id_ed25519)
#   -F SSH_CONFIG  ssh configuration file for ssh and ssh-copy-id
#
# Environment (for tests and unusual nodes):
#   PIRACK             the pirack program run here (default: in PATH, else
#                      this tree's build/pirack)
#   PIRACK_REMOTE_ROOT prefix of every installed path on the nodes
#   PIRACK_REMOTE_SUDO runs remote commands as root (default: sudo, or
#                      nothing when the SSH user is root)
#   PIRACK_RESTART_CMD remote command that restarts the agent, run through
#                      sh with $PIRACK_ROOT set (default: systemctl ...)
#   PIRACK_SSH_TIMEOUT connect timeout in seconds (default 5)
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
RACK=${PIRACK_RACK:-/etc/pirack/rack.conf}
STAGE="" KEY=$HOME/.ssh/id_ed25519 SSH_CONFIG=""
ROOT=${PIRACK_REMOTE_ROOT:-}
RESTART=${PIRACK_RESTART_CMD:-systemctl daemon-reload && systemctl enable --quiet pirackd && systemctl restart pirackd}
TIMEOUT=${PIRACK_SSH_TIMEOUT:-5}

usage() { sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "cluster.sh: $*" >&2; exit 2; }

while getopts "r:s:k:F:h" opt; do
	case $opt in
	r) RACK=$OPTARG ;;
	s) STAGE=$OPTARG ;;
	k) KEY=$OPTARG ;;
	F) SSH_CONFIG=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

PIRACK=${PIRACK:-$(command -v pirack || echo "$TOP/build/pirack")}
[ -x "$PIRACK" ] || die "no pirack program (set PIRACK or run make)"
"$PIRACK" -r "$RACK" check >/dev/null || exit 2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pirack-cluster.XXXXXX")
SSH_BASE=(-o BatchMode=yes -o ConnectTimeout="$TIMEOUT"
	  -o StrictHostKeyChecking=accept-new
	  -o ControlMaster=auto -o ControlPath="$WORK/cm-%C"
	  -o ControlPersist=60)
[ -z "$SSH_CONFIG" ] || SSH_BASE=(-F "$SSH_CONFIG" "${SSH_BASE[@]}")
# only the head's key: the check that it works must not pass by another
SSH_OPTS=("${SSH_BASE[@]}" -i "$KEY" -o IdentitiesOnly=yes)
TARGETS=()

cleanup() {
	local t
	for t in "${TARGETS[@]}"; do
		ssh "${SSH_OPTS[@]}" -O exit "$t" >/dev/null 2>&1 || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

# The head's key.
if [ ! -f "$KEY" ]; then
	mkdir -p "$(dirname "$KEY")" && chmod 700 "$(dirname "$KEY")"
	ssh-keygen -q -t ed25519 -N "" -C "pirack@$(hostname)" -f "$KEY" ||
		die "cannot create the SSH key $KEY"
	echo "head: created SSH key $KEY"
fi

# The installed tree every node gets (the same for all).
if [ -z "$STAGE" ]; then
	STAGE=$WORK/stage
	make -s -C "$TOP" install DESTDIR="$STAGE" PREFIX=/usr/local \
		>"$WORK/make.log" 2>&1 ||
		{ cat "$WORK/make.log" >&2; die "make install failed"; }
fi
[ -d "$STAGE" ] || die "$STAGE: no such directory"
INSTALL_SH=usr/local/share/pirack/install.sh
[ -f "$STAGE/$INSTALL_SH" ] || die "$STAGE has no $INSTALL_SH"

# Runs a command on the node (through the shared connection).
remote() { ssh "${SSH_OPTS[@]}" "$TARGET" "$@"; }
quote() { printf '%q' "$1"; }

# One node: prints "NAME: what changed" and returns non-zero on failure.
node_setup() {
	local name=$1 addr=$2 user=$3 dir=$WORK/$1 err=$WORK/$1.err
	local sudo changes=() pkg=0 agent=0 rootq out

	TARGET=$addr
	[ "$user" = - ] || TARGET=$user@$addr
	TARGETS+=("$TARGET")
	if [ "${PIRACK_REMOTE_SUDO+set}" ]; then
		sudo=$PIRACK_REMOTE_SUDO
	elif [ "$user" = root ] || { [ "$user" = - ] && [ "$(id -u)" = 0 ]; }; then
		sudo=
	else
		sudo=sudo
	fi

	# 1. passwordless SSH
	if ! remote true 2>"$err"; then
		if grep -qiE "refused|timed out|no route|unreachable|resolve|closed by|reset" "$err"; then
			echo "$name: DOWN ($(tail -n 1 "$err")), skipped"
			return 1
		fi
		ssh-copy-id -i "$KEY.pub" ${SSH_CONFIG:+-F "$SSH_CONFIG"} \
			-o ConnectTimeout="$TIMEOUT" \
			-o StrictHostKeyChecking=accept-new "$TARGET" \
			>"$err" 2>&1 </dev/null &&
		remote true 2>>"$err" || {
			echo "$name: FAILED copying the SSH key ($(grep -v '^$' "$err" | tail -n 1)), skipped"
			return 1
		}
		changes+=("ssh key copied")
	fi

	# 2. the files, built here: the node's tree, then its home
	mkdir -p "$dir/root/etc/pirack" "$dir/home"
	cp -a "$STAGE/." "$dir/root/"
	rootq=$(quote "$ROOT")
	# missing is empty; unreadable is an error (never lose its lines)
	remote "[ ! -e $rootq/etc/hosts ] || cat $rootq/etc/hosts" \
		>"$dir/root/etc/hosts" 2>"$err" || {
		echo "$name: FAILED reading /etc/hosts ($(tail -n 1 "$err"))"
		return 1
	}
	"$PIRACK" -r "$RACK" hosts --apply "$dir/root/etc/hosts" >/dev/null &&
	"$PIRACK" -r "$RACK" agent-config "$name" \
		>"$dir/root/etc/pirack/agent.conf" &&
	"$PIRACK" -r "$RACK" machinefile >"$dir/home/machinefile" || {
		echo "$name: FAILED generating its files"
		return 1
	}
	cp "$RACK" "$dir/root/etc/pirack/rack.conf"
	chmod 0644 "$dir/root/etc/hosts" "$dir/root/etc/pirack/"*.conf \
		"$dir/home/machinefile"

	# 3. what differs: the node's checksums against ours
	(cd "$dir/root" && find . -type f | sed 's|^\./||' | sort) \
		>"$dir/list"
	(cd "$dir/root" && xargs -d '\n' sha256sum <"$dir/list") >"$dir/ours"
	remote "cd $rootq/ && xargs -d '\\n' sha256sum 2>/dev/null; exit 0" \
		<"$dir/list" >"$dir/theirs" 2>"$err" || {
		echo "$name: FAILED comparing files ($(tail -n 1 "$err"))"
		return 1
	}
	sort -o "$dir/theirs" "$dir/theirs"
	sort -o "$dir/ours" "$dir/ours"
	comm -23 "$dir/ours" "$dir/theirs" | sed 's/^[0-9a-f]*  //' \
		>"$dir/push"
	if [ -s "$dir/push" ]; then
		(cd "$dir/root" && tar -cf - -T "$dir/push") |
			remote "$sudo tar -C $rootq/ -xf - --no-same-owner" \
			2>"$err" || {
			echo "$name: FAILED installing files ($(tail -n 1 "$err"))"
			return 1
		}
		grep -qx etc/hosts "$dir/push" && changes+=("hosts block updated")
		grep -qx etc/pirack/agent.conf "$dir/push" &&
			changes+=("agent.conf updated") && agent=1
		grep -qx etc/pirack/rack.conf "$dir/push" &&
			changes+=("rack.conf updated")
		pkg=$(grep -cvx 'etc/hosts\|etc/pirack/agent.conf\|etc/pirack/rack.conf' "$dir/push")
		[ "$pkg" = 0 ] || changes+=("pirack installed ($pkg files)")
	fi
	out=$(cd "$dir/home" && sha256sum machinefile)
	if [ "$(remote 'cd && sha256sum machinefile 2>/dev/null')" != "$out" ]; then
		remote 'cat >~/machinefile.pirack-new && mv -f ~/machinefile.pirack-new ~/machinefile' \
			<"$dir/home/machinefile" 2>"$err" || {
			echo "$name: FAILED writing ~/machinefile ($(tail -n 1 "$err"))"
			return 1
		}
		changes+=("machinefile updated")
	fi

	# 4. user, group, udev rule; then the agent, when its files changed
	if [ $pkg -gt 0 ]; then
		remote "$sudo env DESTDIR=$rootq sh $rootq/$INSTALL_SH --setup-only --mpi-user \$(id -un)" \
			>"$err" 2>&1 || {
			echo "$name: FAILED install.sh --setup-only ($(tail -n 1 "$err"))"
			return 1
		}
	fi
	if [ $pkg -gt 0 ] || [ $agent = 1 ]; then
		remote "$sudo env PIRACK_ROOT=$rootq sh -c $(quote "$RESTART")" \
			>"$err" 2>&1 || {
			echo "$name: FAILED restarting the agent ($(tail -n 1 "$err"))"
			return 1
		}
		changes+=("agent restarted")
	fi

	if [ ${#changes[@]} -eq 0 ]; then
		echo "$name: unchanged"
	else
		local IFS=,
		echo "$name: ${changes[*]}" | sed 's/,/, /g'
	fi
}

failed=0 done_nodes=0
while IFS=$'\t' read -r name addr _slots user; do
	if [ $# -gt 0 ]; then
		want=0
		for n in "$@"; do [ "$n" = "$name" ] && want=1; done
		[ $want = 1 ] || continue
	fi
	done_nodes=$((done_nodes + 1))
	node_setup "$name" "$addr" "$user" </dev/null || failed=$((failed + 1))
done < <("$PIRACK" -r "$RACK" nodes)

[ $done_nodes -gt 0 ] || die "no node of $RACK matches: $*"
echo "cluster.sh: $((done_nodes - failed)) of $done_nodes nodes done"
[ $failed -eq 0 ]
