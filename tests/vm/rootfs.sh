#!/usr/bin/env bash
# tests/vm/rootfs.sh: builds the real-systemd VM's root file system: a
# Debian userspace (debootstrap --variant=minbase plus systemd, udev,
# mosquitto, gpiod and the agent's libraries) as an ext4 image, and the
# modules the VM's initramfs loads to mount it (virtio-blk, ext4).
#
#   tests/vm/rootfs.sh KDIR           prints the directory holding root.ext4
#                                     and mods/ (order: the modules to load)
#   tests/vm/rootfs.sh --cached KDIR  the same, but never builds: exit 1
#                                     when nothing is cached yet
#
# KDIR is what tests/vm/kernel.sh printed (its 'done' names the kernel).
# The suite is the host's (the agent under test is built here and runs
# there), the mirror the one apt uses here. Cached under
# ${PIRACK_CACHE:-${HOME:-/tmp}/.cache/pirack}/vm/rootfs-KEY, KEY from the
# suite, this script and the kernel release: editing the package list
# rebuilds. The VM boots the image with qemu -snapshot, so it stays as
# built. Needs root (debootstrap). Progress on stderr, the directory on
# stdout.
set -euo pipefail

CACHE=${PIRACK_CACHE:-${HOME:-/tmp}/.cache/pirack}/vm
PKGS=systemd,systemd-sysv,udev,dbus,kmod,procps,mosquitto,mosquitto-clients,gpiod,libgpiod2,libinih1,libcjson1,libmosquitto1
# what the initramfs loads to mount /dev/vda (their dependencies follow)
BOOT_MODS="virtio_pci virtio_blk crc32c_generic ext4"

say() { echo "rootfs.sh: $*" >&2; }
die() { say "$*"; exit 1; }

suite() {
	local c
	c=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	echo "${c:-bookworm}"
}

# The Debian mirror apt uses here for the suite (deb822 or one-line).
mirror() {
	local s=$1 m
	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$s" '
		/^$/ { if (ok && uri) { print uri; exit } ok = 0; uri = "" }
		$1 == "URIs:" { uri = $2 }
		$1 == "Suites:" { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
		END { if (ok && uri) print uri }' | head -n 1)
	[ -n "$m" ] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		2>/dev/null | awk -v s="$s" '$1 == "deb" && $3 == s { print $2; exit }')
	echo "${m:-http://deb.debian.org/debian}"
}

key() {	# KREL
	{ suite; echo "$1"; cat "$0"; } | sha256sum | cut -c1-12
}

# Copies module $1 and what it depends on from the unpacked tree $2 into
# $3, appending each to $3/order after its dependencies.
mod_add() {
	local name=$1 tree=$2 out=$3 f d
	grep -qx "$name" "$out/order" 2>/dev/null && return 0
	f=$(find "$tree" -name "$name.ko" -o -name "${name//_/-}.ko" | head -n 1)
	[ -n "$f" ] || die "module $name not in linux-image"
	for d in $(modinfo -F depends "$f" | tr ',' ' '); do
		mod_add "$d" "$tree" "$out"
	done
	cp "$f" "$out/$name.ko"
	echo "$name" >>"$out/order"
}

build() {	# KREL DIR
	local krel=$1 dir=$2 work s m
	s=$(suite)
	m=$(mirror "$s")
	work=$(mktemp -d "$CACHE/.rootfs-work.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$work'" EXIT
	say "debootstrap $s from $m (minbase + $PKGS)"
	debootstrap --variant=minbase --include="$PKGS" "$s" "$work/root" \
		"$m" >"$work/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
	local r=$work/root
	echo pirack-vm >"$r/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tpirack-vm\n' >"$r/etc/hosts"
	echo '/dev/vda / ext4 rw 0 0' >"$r/etc/fstab"
	# a machine-id made at first boot; the image is booted -snapshot
	: >"$r/etc/machine-id"
	# the console is the test's: no login prompt on it
	ln -sf /dev/null "$r/etc/systemd/system/serial-getty@ttyS0.service"
	ln -sf /dev/null "$r/etc/systemd/system/getty@tty1.service"
	rm -rf "$r/var/cache/apt/archives/"*.deb "$r/var/lib/apt/lists/"*

	say "modules for the initramfs from linux-image-$krel"
	(cd "$work" && apt-get download -q -o APT::Sandbox::User=root \
		"linux-image-$krel" >&2) || die "apt-get download linux-image-$krel failed"
	mkdir -p "$work/img" "$work/out/mods"
	dpkg-deb -x "$work"/linux-image-"$krel"_*.deb "$work/img"
	local mod
	for mod in $BOOT_MODS; do
		mod_add "$mod" "$work/img" "$work/out/mods"
	done

	say "root.ext4 ($(du -sh "$r" | cut -f1) of files)"
	mkfs.ext4 -q -F -L pirack-root -d "$r" "$work/out/root.ext4" 1G >&2 ||
		die "mkfs.ext4 -d failed"
	echo "$s $krel" >"$work/out/done"
	rm -rf "$dir"
	mv "$work/out" "$dir"
	rm -rf "$work"
	trap - EXIT
}

main() {
	local cached=0 kdir krel dir
	[ "${1:-}" = --cached ] && { cached=1; shift; }
	case "${1:-}" in
	-h|--help|'') sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
		      [ -n "${1:-}" ]; return ;;
	esac
	kdir=$1
	krel=$(cut -d' ' -f1 "$kdir/done") || die "$kdir: no kernel built there"
	dir=$CACHE/rootfs-$(key "$krel")
	if [ -f "$dir/done" ]; then
		echo "$dir"
		return 0
	fi
	[ $cached = 0 ] || return 1
	[ "$(id -u)" = 0 ] || die "debootstrap needs root"
	command -v debootstrap >/dev/null ||
		die "debootstrap is not installed (deploy/deps.sh installs it)"
	mkdir -p "$CACHE"
	# several worktrees share the cache: one builds, the others wait
	exec 9>"$CACHE/.rootfs-lock"
	flock 9
	if [ ! -f "$dir/done" ]; then
		rm -rf "$CACHE"/.rootfs-work.*
		# older images: one is enough on disk
		rm -rf "$CACHE"/rootfs-*
		(build "$krel" "$dir") || exit 1
	fi
	exec 9>&-
	echo "$dir"
}

main "$@"
