#!/usr/bin/env bash
# tests/vm/kernel.sh: fetches Debian's kernel and builds gpio-sim for it.
#
#   tests/vm/kernel.sh            prints the directory holding vmlinuz,
#                                 configfs.ko and gpio-sim-oot.ko
#   tests/vm/kernel.sh --cached   the same, but never downloads or builds:
#                                 exit 1 when nothing is cached yet
#
# make check runs it as a build step (tests/vm/vm.mk), so that the test
# (tests/vm/run.sh) only packs an initramfs and boots.
#
# Debian's amd64 kernel has GPIOLIB and the GPIO character device but not
# CONFIG_GPIO_SIM, so gpio-sim.c and irq_sim.c from Debian's linux-source
# package are built together as one out-of-tree module against the matching
# linux-headers package. The versions come from apt (whatever
# linux-image-amd64 points at today), never a hard-coded ABI number. All
# downloads stay in the cache, ${PIRACK_CACHE:-${HOME:-/tmp}/.cache/pirack}/vm/,
# keyed by kernel release and package version; a warm run only asks apt.
# Progress goes to stderr; the only line on stdout is the directory.
set -euo pipefail

CACHE=${PIRACK_CACHE:-${HOME:-/tmp}/.cache/pirack}/vm
JOBS=${PIRACK_VM_JOBS:-2}	# the machine's 2 cores are shared

say() { echo "kernel.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# Prints "KREL VERSION" of the kernel linux-image-amd64 depends on, from apt.
kernel_resolve() {
	local pkg ver
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	[ -n "$pkg" ] || return 1
	ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null |
		awk '$1 == "Version:" { print $2; exit }')
	[ -n "$ver" ] || return 1
	echo "${pkg#linux-image-} $ver"
}

# The newest complete cache entry, for a machine whose apt lists are gone.
kernel_cached() {
	local d
	d=$(printf '%s\n' "$CACHE"/*/done | sort -rV | head -n 1)
	[ -f "$d" ] || return 1
	dirname "$d"
}

kernel_fetch_build() {	# KREL VERSION DIR
	local krel=$1 ver=$2 dir=$3 work debs hdrdeps common kbuild src
	local mm
	mm=$(echo "$ver" | cut -d. -f1,2)	# 6.1.192-2 -> 6.1
	work=$(mktemp -d "$CACHE/.work.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$work'" EXIT
	hdrdeps=$(apt-cache show --no-all-versions "linux-headers-$krel" |
		awk -F': ' '$1 == "Depends" { print $2; exit }')
	common=$(echo "$hdrdeps" | grep -o 'linux-headers-[^ ,]*-common' | head -n1)
	kbuild=$(echo "$hdrdeps" | grep -o 'linux-kbuild-[^ ,]*' | head -n1)
	if [ -z "$common" ] || [ -z "$kbuild" ]; then
		die "cannot read the dependencies of linux-headers-$krel"
	fi
	debs=("linux-image-$krel=$ver" "linux-headers-$krel=$ver"
	      "$common=$ver" "$kbuild=$ver" "linux-source-$mm=$ver")
	say "downloading ${debs[*]}"
	# root's apt drops privileges to _apt, who cannot write into $HOME
	(cd "$work" && apt-get download -q -o APT::Sandbox::User=root \
		"${debs[@]}" >&2) || die "apt-get download failed"

	mkdir -p "$work/out" "$work/hdr" "$work/mod"
	dpkg-deb --fsys-tarfile "$work"/linux-image-"$krel"_*.deb |
		tar -x -C "$work/hdr" --wildcards './boot/vmlinuz-*' \
			'./lib/modules/*/kernel/fs/configfs/configfs.ko*'
	cp "$work/hdr/boot/vmlinuz-$krel" "$work/out/vmlinuz"
	cp "$work"/hdr/lib/modules/*/kernel/fs/configfs/configfs.ko* "$work/out/"
	[ -f "$work/out/configfs.ko.xz" ] && xz -d "$work/out/configfs.ko.xz"
	[ -f "$work/out/configfs.ko" ] || die "no configfs.ko in linux-image-$krel"

	local d
	for d in "linux-headers-$krel" "$common" "$kbuild"; do
		dpkg-deb -x "$work/${d}_"*.deb "$work/hdr"
	done
	local kdir=$work/hdr/usr/src/linux-headers-$krel
	# its Makefile includes the common tree by absolute path
	sed -i "s|^include /usr/src/|include $work/hdr/usr/src/|" "$kdir/Makefile"

	say "extracting gpio-sim.c, gpiolib.h, irq_sim.c from linux-source-$mm"
	src=linux-source-$mm
	dpkg-deb --fsys-tarfile "$work/${src}_"*.deb |
		tar -xO "./usr/src/$src.tar.xz" | xz -dc |
		tar -x -C "$work" "$src/drivers/gpio/gpio-sim.c" \
			"$src/drivers/gpio/gpiolib.h" "$src/kernel/irq/irq_sim.c"
	cp "$work/$src/drivers/gpio/gpio-sim.c" \
	   "$work/$src/drivers/gpio/gpiolib.h" \
	   "$work/$src/kernel/irq/irq_sim.c" "$work/mod/"
	# irq_to_desc() is not exported to modules; generic_handle_irq() does
	# the same lookup and then calls the flow handler (handle_simple_irq).
	sed -i 's/handle_simple_irq(irq_to_desc(irqnum))/generic_handle_irq(irqnum)/' \
		"$work/mod/irq_sim.c"
	grep -q 'generic_handle_irq(irqnum)' "$work/mod/irq_sim.c" ||
		die "irq_sim.c of $src no longer has handle_simple_irq(irq_to_desc(irqnum)); update the patch in $0"
	cat >"$work/mod/Kbuild" <<'EOF'
obj-m := gpio-sim-oot.o
gpio-sim-oot-y := gpio-sim.o irq_sim.o
EOF
	say "building gpio-sim-oot.ko for $krel"
	make -s -j"$JOBS" -C "$kdir" M="$work/mod" modules >&2 2>"$work/make.log" ||
		{ cat "$work/make.log" >&2; die "module build failed"; }
	cp "$work/mod/gpio-sim-oot.ko" "$work/out/"
	# the sources the module was built from, for reference
	cp "$work/mod/gpio-sim.c" "$work/mod/gpiolib.h" "$work/mod/irq_sim.c" \
	   "$work/mod/Kbuild" "$work/out/"
	echo "$krel $ver" >"$work/out/done"
	rm -rf "$dir"
	mv "$work/out" "$dir"
	rm -rf "$work"
	trap - EXIT
}

apt_update() {	# once, as root: lists may be missing or stale
	[ "$(id -u)" = 0 ] && [ -z "${updated:-}" ] || return 1
	updated=1
	say "running apt-get update"
	apt-get update -q >/dev/null 2>&1 || true
}

# Prints the directory of a ready kernel for the release apt names today,
# fetching and building it when it is not cached yet.
kernel_ready() {
	local kv krel ver dir
	kv=$(kernel_resolve) || return 1
	read -r krel ver <<<"$kv"
	dir=$CACHE/${krel}_$ver
	if [ ! -f "$dir/done" ]; then
		# several worktrees share the cache: one builds, the others wait
		exec 9>"$CACHE/.lock"
		flock 9
		# what a build killed half-way left behind (we hold the lock)
		rm -rf "$CACHE"/.work.*
		# a subshell: its die() must not end the retry below
		[ -f "$dir/done" ] ||
			(kernel_fetch_build "$krel" "$ver" "$dir") || return 1
		exec 9>&-
	fi
	echo "$dir"
}

# --cached: the entry for the release apt names if built, else the newest.
kernel_lookup() {
	local kv krel ver
	if kv=$(kernel_resolve); then
		read -r krel ver <<<"$kv"
		[ -f "$CACHE/${krel}_$ver/done" ] &&
			{ echo "$CACHE/${krel}_$ver"; return 0; }
	fi
	kernel_cached
}

main() {
	local dir
	case "${1:-}" in
	--cached) kernel_lookup; return ;;
	-h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; return 0 ;;
	'') ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	mkdir -p "$CACHE"
	# stale lists name a kernel the archive no longer has: update, retry
	dir=$(kernel_ready) || { apt_update && dir=$(kernel_ready); } || {
		dir=$(kernel_cached) ||
			die "no kernel from apt (linux-image-amd64) and none cached in $CACHE"
		say "no kernel from apt; using the cached $(cat "$dir/done")"
	}
	echo "$dir"
}

main "$@"
