#!/usr/bin/env bash
# tests/vm/initramfs.sh: packs the test VM's initramfs (busybox, gpio-sim,
# libgpiod tools, the agents under test with their libraries, the test).
#
#   tests/vm/initramfs.sh KDIR OUT.cpio [--bin SRC=NAME]... [--env VAR=VAL]...
#
# KDIR is what tests/vm/kernel.sh printed. Each --bin copies the host program
# SRC to /bin/NAME in the guest; every program's shared libraries are found
# with ldd (so LD_LIBRARY_PATH and RUNPATHs on the host count) and copied to
# the same paths in the guest; libraries outside the loader's default
# directories are put on the guest's LD_LIBRARY_PATH. --env lines go to
# /etc/guest.env, which init sources before running the test.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "initramfs.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: initramfs.sh KDIR OUT.cpio [--bin SRC=NAME]... [--env VAR=VAL]..."
KDIR=$1 OUT=$2
shift 2
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/pirack-initramfs.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT

mkdir -p "$ROOT"/{bin,dev,etc,proc,sys,tmp,run,test,lib/modules}
BUSYBOX=$(command -v busybox) || die "busybox not found (busybox-static)"
# the guest has no libc of its own for busybox: it must be the static one
ldd "$BUSYBOX" >/dev/null 2>&1 && die "$BUSYBOX is not static (busybox-static)"
cp "$BUSYBOX" "$ROOT/bin/busybox"
cp "$HERE/init" "$ROOT/init"
cp "$HERE/guest.sh" "$HERE/guest_lib.sh" "$HERE/guest_agent.sh" "$ROOT/test/"
chmod 755 "$ROOT/init"
cp "$KDIR/configfs.ko" "$KDIR/gpio-sim-oot.ko" "$ROOT/lib/modules/"
: >"$ROOT/etc/guest.env"

libdirs=()
initramfs_libs() {	# copies the shared libraries of program $1
	local lib dir
	# "libx.so => /path (0x..)" and "/lib64/ld-linux... (0x..)"; a
	# missing library ("not found") is an error, not a later surprise
	if ldd "$1" | grep 'not found' >/dev/null; then
		ldd "$1" >&2
		die "$1: shared libraries not found"
	fi
	for lib in $(ldd "$1" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
		[ -e "$ROOT$lib" ] && continue
		dir=$(dirname "$lib")
		mkdir -p "$ROOT$dir"
		cp -L "$lib" "$ROOT$lib"
		case "$dir" in
		/lib|/lib64|/usr/lib|/lib/x86_64-linux-gnu|/usr/lib/x86_64-linux-gnu) ;;
		*) [[ " ${libdirs[*]} " == *" $dir "* ]] || libdirs+=("$dir") ;;
		esac
	done
}

initramfs_bin() {	# SRC NAME
	[ -x "$1" ] || die "$1: not an executable"
	cp -L "$1" "$ROOT/bin/$2"
	initramfs_libs "$1"
}

for tool in gpiodetect gpioinfo gpioset gpioget; do
	path=$(command -v "$tool") || die "$tool not found (Debian package gpiod)"
	initramfs_bin "$path" "$tool"
done

while [ $# -gt 0 ]; do
	case "$1" in
	--bin) initramfs_bin "${2%%=*}" "${2#*=}"; shift 2 ;;
	--env) printf '%s\n' "$2" >>"$ROOT/etc/guest.env"; shift 2 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
if [ ${#libdirs[@]} -gt 0 ]; then
	dirs="${libdirs[*]}"
	echo "export LD_LIBRARY_PATH=${dirs// /:}" >>"$ROOT/etc/guest.env"
fi

# Uncompressed: packing and unpacking stay well under a second.
(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$OUT"
