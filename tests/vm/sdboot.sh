#!/usr/bin/env bash
# tests/vm/sdboot.sh: boots a Debian userspace with systemd as PID 1 under
# qemu (Debian's kernel, gpio-sim) and runs tests/vm/guest_systemd.sh in
# it: deploy/install.sh on a fresh system, then pirackd.service and
# pirackd-failsafe.service as a Pi runs them.
#
#   tests/vm/sdboot.sh --stage DIR [--timeout SECS]
#
# DIR is a 'make install DESTDIR=DIR' tree (PREFIX /usr/local) of the
# agent under test; it must run on the image's Debian (the plain build).
# Prints the guest's console. Exit 0 on "PIRACK-VM-VERDICT PASS", 1 on FAIL
# or when the deadline (default 600 s) passes, 77 when qemu, the kernel
# (tests/vm/kernel.sh) or the root image (tests/vm/rootfs.sh) is missing.
# TCG by default: KVM inside these machines' VMs boots nothing
# (PIRACK_VM_ACCEL=kvm tries it where it works). no_timer_check: on a
# loaded host the emulated CPU can miss the kernel's early timer check
# ("IO-APIC + timer doesn't work!", a panic).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
QEMU=${QEMU:-qemu-system-x86_64}
ACCEL=${PIRACK_VM_ACCEL:-tcg}

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "sdboot.sh: $*" >&2; exit 1; }

stage='' timeout=600
while [ $# -gt 0 ]; do
	case "$1" in
	--stage) [ $# -ge 2 ] || die "--stage needs DIR"; stage=$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || die "--timeout needs SECS"
		   timeout=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -n "$stage" ] && [ -x "$stage/usr/local/sbin/pirackd" ] ||
	die "--stage DIR: no usr/local/sbin/pirackd in '$stage'"

if ! "$QEMU" --version >/dev/null 2>&1; then
	echo "SKIP: $QEMU cannot run (Debian package qemu-system-x86)"
	exit 77
fi
KDIR=$(bash "$HERE/kernel.sh" --cached) || {
	echo "SKIP: no kernel with gpio-sim built yet ('bash tests/vm/kernel.sh'; make check runs it)"
	exit 77
}
RDIR=$(bash "$HERE/rootfs.sh" --cached "$KDIR") || {
	echo "SKIP: no root image built yet ('bash tests/vm/rootfs.sh \$(bash tests/vm/kernel.sh)' as root; make check runs it)"
	exit 77
}

W=$(mktemp -d "${TMPDIR:-/tmp}/pirack-sdvm.XXXXXX")
QEMU_PID=
# shellcheck disable=SC2317  # run by the EXIT trap
sd_cleanup() {
	local rc=$?
	if [ -n "$QEMU_PID" ]; then
		kill -KILL "$QEMU_PID" 2>/dev/null || true
		wait "$QEMU_PID" 2>/dev/null || true
	fi
	rm -rf "$W"
	return "$rc"
}
trap sd_cleanup EXIT
trap 'exit 130' INT TERM

# The initramfs: busybox, the modules, the payload for /opt/pirack-vm.
R=$W/initramfs
mkdir -p "$R"/{bin,dev,proc,sys,newroot,lib/modules,payload}
BUSYBOX=$(command -v busybox) || die "busybox not found (busybox-static)"
ldd "$BUSYBOX" >/dev/null 2>&1 && die "$BUSYBOX is not static (busybox-static)"
cp "$BUSYBOX" "$R/bin/busybox"
cp "$HERE/sd_init" "$R/init"
chmod 755 "$R/init"
cp "$RDIR"/mods/*.ko "$RDIR/mods/order" "$R/lib/modules/"
cp "$KDIR/configfs.ko" "$KDIR/gpio-sim-oot.ko" "$R/lib/modules/"
cp -a "$stage" "$R/payload/stage"
cp "$HERE/../../deploy/install.sh" "$HERE/guest_lib.sh" \
   "$HERE/guest_systemd.sh" "$HERE/pirack-vm-test.service" "$R/payload/"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$W/initramfs.cpio"

start=$SECONDS
accel=(-accel "$ACCEL")
[ "$ACCEL" = kvm ] && accel+=(-cpu host)
"$QEMU" "${accel[@]}" -nodefaults -no-user-config -display none -m 1024 \
	-no-reboot -kernel "$KDIR/vmlinuz" -initrd "$W/initramfs.cpio" \
	-drive "file=$RDIR/root.ext4,format=raw,if=virtio,snapshot=on" \
	-append "console=ttyS0 panic=-1 quiet loglevel=1 systemd.show_status=false mitigations=off no_timer_check" \
	-serial "file:$W/console.log" </dev/null >"$W/qemu.log" 2>&1 &
QEMU_PID=$!

# the CPU time qemu had, the cost without the host's other load: read
# while it runs (it exits right after the verdict's poweroff)
qemu_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) / hz }' \
		"/proc/$QEMU_PID/stat" 2>/dev/null
}
verdict= cpu='?'
while :; do
	c=$(qemu_cpu) && cpu=$c
	verdict=$(grep -a -m1 '^PIRACK-VM-VERDICT ' "$W/console.log" 2>/dev/null || true)
	[ -n "$verdict" ] && break
	kill -0 "$QEMU_PID" 2>/dev/null || break
	[ $((SECONDS - start)) -lt "$timeout" ] || break
	sleep 0.5
done
elapsed=$((SECONDS - start))
tr -d '\r' <"$W/console.log" 2>/dev/null || true
what="qemu $ACCEL, ${cpu}s of CPU, $(cat "$KDIR/done"), $(cat "$RDIR/done")"
case "$verdict" in
*" PASS"*) echo "sdboot.sh: PASS in ${elapsed}s ($what)"; exit 0 ;;
*" FAIL"*) grep -a '^not ok' "$W/console.log" | tr -d '\r' || true
	   echo "sdboot.sh: FAIL in ${elapsed}s: ${verdict#PIRACK-VM-VERDICT FAIL} ($what)" ;;
*) if kill -0 "$QEMU_PID" 2>/dev/null; then
	echo "sdboot.sh: FAIL: no verdict after ${timeout}s ($what)"
   else
	echo "sdboot.sh: FAIL: qemu exited without a verdict:"
	cat "$W/qemu.log"
   fi ;;
esac
exit 1
