#!/usr/bin/env bash
# tests/fresh/fresh.sh: runs the README's set-up commands as a newcomer
# would, as root in a fresh Debian 12 minbase chroot with only git and
# ca-certificates, on this commit (cloned, so uncommitted changes are not in).
#
#   tests/fresh/fresh.sh [--arch ARCH] [--user] [--keep] [--no-check]
#                        [COMMAND...]
#
# COMMANDs default to the indented lines of the README's "Set up" section.
# --user runs them as a user with sudo (password-less) instead of root.
# --arch arm64 builds a foreign chroot run under qemu-user (qemu-user-static
# with binfmt_misc registered, flag F); --no-check runs only the first
# command. The debootstrapped base is cached as
# ${PIRACK_CACHE:-$HOME/.cache/pirack}/fresh/bookworm-minbase-ARCH.tar;
# logs go to ${PIRACK_FRESH_LOGS:-build/fresh-ARCH[-user]}/. Needs root and
# debootstrap; exits 77 with the reason when something is missing. Every
# mount and every process inside the chroot is undone on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
TOP=$PWD

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "fresh.sh: $*" >&2; exit 1; }

arch=$(dpkg --print-architecture) keep=0 nocheck=0 user= cmds=()
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift ;;
	--keep) keep=1 ;;
	--no-check) nocheck=1 ;;
	--user) user=newcomer ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	-*) die "unknown option '$1'" ;;
	*) cmds+=("$1") ;;
	esac
	shift
done

[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null || skip "debootstrap is not installed"
foreign=0
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
	foreign=1
	case $arch in
	arm64) qarch=aarch64 ;; armhf) qarch=arm ;; *) qarch=$arch ;;
	esac
	[ -x /usr/bin/qemu-$qarch-static ] ||
		skip "qemu-user-static has no qemu-$qarch-static"
	grep -qs '^enabled' /proc/sys/fs/binfmt_misc/qemu-$qarch ||
		skip "binfmt_misc has no enabled qemu-$qarch entry"
fi

# The README's commands: the indented lines of its "Set up" section.
if [ ${#cmds[@]} -eq 0 ]; then
	mapfile -t cmds < <(awk '/^## /{on = ($0 == "## Set up")} \
		on && /^    [^ ]/ {sub(/^    /, ""); sub(/ +# .*/, ""); print}' \
		README.md)
	[ ${#cmds[@]} -gt 0 ] || die "README.md has no commands under '## Set up'"
fi
[ $nocheck = 1 ] && cmds=("${cmds[0]}")

# The mirror this machine uses (deb822 or one-line sources).
mirror=${PIRACK_MIRROR:-$({ cat /etc/apt/sources.list.d/*.sources \
	/etc/apt/sources.list 2>/dev/null || true; } |
	awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}
	     /^deb / && $0 !~ /security/ {for (i = 2; i <= NF; i++)
		if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}')}
mirror=${mirror:-http://deb.debian.org/debian}

cache=${PIRACK_CACHE:-${HOME:-/tmp}/.cache/pirack}/fresh
base=$cache/bookworm-minbase-$arch.tar
logs=${PIRACK_FRESH_LOGS:-$TOP/build/fresh-$arch${user:+-user}}
mkdir -p "$cache" "$logs"
R= MOUNTS=()

cleanup() {
	local rc=$? m pid
	set +e
	if [ -n "$R" ]; then
		# processes the commands left behind inside the chroot
		for pid in $(ls /proc | grep -E '^[0-9]+$'); do
			[ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$R" ] &&
				kill -KILL "$pid" 2>/dev/null
		done
		for ((m = ${#MOUNTS[@]} - 1; m >= 0; m--)); do
			umount -l "${MOUNTS[m]}" 2>/dev/null
		done
		if grep -q " $R/" /proc/mounts; then
			echo "fresh.sh: still mounted, $R kept:" >&2
			grep " $R/" /proc/mounts >&2
		elif [ $keep = 0 ]; then
			rm -rf "$R" || echo "fresh.sh: could not remove $R" >&2
		else
			echo "fresh.sh: chroot kept in $R"
		fi
	fi
	return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$SECONDS
if [ ! -s "$base" ]; then
	echo "fresh.sh: debootstrap bookworm minbase $arch from $mirror"
	R=$(mktemp -d "${TMPDIR:-/tmp}/pirack-fresh.XXXXXX")
	opts=(--variant=minbase --arch="$arch")
	[ $foreign = 1 ] && opts+=(--foreign)
	debootstrap "${opts[@]}" bookworm "$R" "$mirror" \
		>"$logs/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$logs/debootstrap.log"; die "debootstrap failed"; }
	if [ $foreign = 1 ]; then
		chroot "$R" /debootstrap/debootstrap --second-stage \
			>>"$logs/debootstrap.log" 2>&1 ||
			{ tail -n 20 "$logs/debootstrap.log"
			  die "second stage failed"; }
	fi
	tar -C "$R" -cf "$base.tmp" . && mv "$base.tmp" "$base"
	rm -rf "$R"; R=
	echo "fresh.sh: base cached in $base ($((SECONDS - t0)) s)"
fi

R=$(mktemp -d "${TMPDIR:-/tmp}/pirack-fresh.XXXXXX")
tar -C "$R" -xf "$base"
# mktemp's 0700 would keep every user but root (mosquitto, sshd) out of /
chmod 755 "$R"
mnt() {	# mount ARGS... TARGET
	mount "$@"
	MOUNTS+=("${*: -1}")
}
mnt -t proc proc "$R/proc"
mnt -t sysfs sysfs "$R/sys"
mnt --bind /dev "$R/dev"
mnt --bind /dev/pts "$R/dev/pts"
# the bind above leaves out the host's /dev/shm tmpfs: MPICH's UCX needs
# one every user can write (root alone could use the bare directory)
mnt -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
mnt -t tmpfs tmpfs "$R/run"
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
# A chroot has no init: keep packages' postinst from starting services
# (mosquitto, sshd) in it, as a container would. Only inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"

commit=$(git rev-parse HEAD)
git bundle create "$R/tmp/pirack.bundle" HEAD >/dev/null 2>&1
in_chroot() {	# LOG CMD [USER]: runs CMD in bash in the chroot, as root
	local home=/root as=()
	[ -n "${3:-}" ] && { home=/home/$3; as=(runuser -u "$3" --); }
	chroot "$R" "${as[@]}" /usr/bin/env -i HOME=$home TERM=dumb \
		LANG=C.UTF-8 USER=${3:-root} \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		bash -c "$2" >"$logs/$1.log" 2>&1
}

echo "fresh.sh: $arch chroot $R, commit $commit${user:+, as $user with sudo}"
step=0 fails=0
run_step() {	# NAME CMD
	local t=$SECONDS rc=0
	step=$((step + 1))
	in_chroot "$step-$1" "$2" ${3:-} || rc=$?
	if [ $rc = 0 ]; then
		echo "ok   $2 ($((SECONDS - t)) s)"
	else
		echo "FAIL $2 (exit $rc after $((SECONDS - t)) s), $logs/$step-$1.log:"
		tail -n 40 "$logs/$step-$1.log" | cut -c1-300 | sed 's/^/    | /'
		fails=$((fails + 1))
	fi
	# the tests' own logs, which leave with the chroot
	local d
	for d in "$R"/root/pirack/build "$R"/home/*/pirack/build; do
		[ -d "$d" ] || continue
		mkdir -p "$logs/build"
		(cd "$d" && find . -path '*/test-logs/*' -type f -exec \
			cp --parents -t "$logs/build" {} +) || true
	done
	grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' \
		"$logs/$step-$1.log" | sed 's/^/     /' || true
	grep -E '^SKIP ' "$logs/$step-$1.log" | sed 's/^/     /' || true
	return $rc
}
prep="apt-get update -q && DEBIAN_FRONTEND=noninteractive \
apt-get install -y -q git ca-certificates${user:+ sudo}"
if [ -n "$user" ]; then
	prep+=" && useradd -m -s /bin/bash $user && \
echo '$user ALL=(ALL) NOPASSWD: ALL' >/etc/sudoers.d/$user && \
chmod 644 /tmp/pirack.bundle && \
runuser -u $user -- git clone -q /tmp/pirack.bundle /home/$user/pirack"
else
	prep+=" && git clone -q /tmp/pirack.bundle /root/pirack"
fi
run_step prepare "$prep" || exit 1
for c in "${cmds[@]}"; do
	run_step "$(echo "$c" | tr -c 'a-z0-9\n' _ | cut -c1-40)" \
		"cd ~/pirack && $c" $user || break
done
echo "fresh.sh: $arch: $fails failed, $((SECONDS - t0)) s in all"
[ $fails = 0 ]
