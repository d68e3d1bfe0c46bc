#!/usr/bin/env bash
# tests/vm/run.sh: boots Debian's kernel with gpio-sim under qemu and runs
# the GPIO tests (tests/vm/guest.sh) against the agents given.
#
#   tests/vm/run.sh [--agent SRC=NAME]... [--lib-path DIR]... [--timeout SECS]
#
# Each --agent puts the pirackd binary SRC into the guest as /bin/NAME and
# runs the agent checks against it (with none, only the libgpiod tools are
# checked against the kernel). --lib-path adds DIR to LD_LIBRARY_PATH while
# the agents' libraries are looked up (e.g. a libgpiod v2 prefix).
# Prints the guest's console. Exit 0 on "PIRACK-VM-VERDICT PASS", 1 on FAIL
# or when the deadline (default 240 s) passes, 77 if qemu is not installed
# or no kernel is built yet (tests/vm/kernel.sh).
# qemu runs with -accel tcg: KVM is not usable on these machines.
# no_timer_check: a loaded host can make the emulated CPU miss the
# kernel's early timer check, which panics ("IO-APIC + timer doesn't work!").
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
QEMU=${QEMU:-qemu-system-x86_64}

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "run.sh: $*" >&2; exit 1; }

agents=() libpath='' timeout=240
while [ $# -gt 0 ]; do
	case "$1" in
	--agent) [ $# -ge 2 ] || die "--agent needs SRC=NAME"
		 agents+=("$2"); shift 2 ;;
	--lib-path) [ $# -ge 2 ] || die "--lib-path needs DIR"
		    libpath=${libpath:+$libpath:}$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || die "--timeout needs SECS"
		   timeout=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

if ! "$QEMU" --version >/dev/null 2>&1; then
	echo "SKIP: $QEMU cannot run (Debian package qemu-system-x86)"
	exit 77
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/pirack-vm.XXXXXX")
QEMU_PID=
# shellcheck disable=SC2317  # run by the EXIT trap
run_cleanup() {
	local rc=$?
	if [ -n "$QEMU_PID" ]; then
		kill -KILL "$QEMU_PID" 2>/dev/null || true
		wait "$QEMU_PID" 2>/dev/null || true
	fi
	rm -rf "$W"
	return "$rc"
}
trap run_cleanup EXIT
trap 'exit 130' INT TERM

# built beforehand (make check's build step, tests/vm/vm.mk): the test only
# packs and boots, it never downloads 220 MB under the runner's deadline
KDIR=$(bash "$HERE/kernel.sh" --cached) || {
	echo "SKIP: no kernel with gpio-sim built yet: 'bash tests/vm/kernel.sh' (make check runs it) could not fetch Debian's linux packages"
	exit 77
}

args=()
names=
for a in "${agents[@]}"; do
	case "$a" in *=*) ;; *) die "--agent $a: expected SRC=NAME" ;; esac
	args+=(--bin "$a")
	names="$names ${a#*=}"
done
LD_LIBRARY_PATH=${libpath}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
	bash "$HERE/initramfs.sh" "$KDIR" "$W/initramfs.cpio" "${args[@]}" \
	--env "AGENTS='${names# }'" --env "GUEST_TIMEOUT=$((timeout - 20))"

start=$SECONDS
"$QEMU" -accel tcg -nodefaults -no-user-config -display none -m 512 \
	-no-reboot -kernel "$KDIR/vmlinuz" -initrd "$W/initramfs.cpio" \
	-append "console=ttyS0 panic=-1 quiet no_timer_check" \
	-serial "file:$W/console.log" </dev/null >"$W/qemu.log" 2>&1 &
QEMU_PID=$!

verdict=
while :; do
	verdict=$(grep -a -m1 '^PIRACK-VM-VERDICT ' "$W/console.log" 2>/dev/null || true)
	[ -n "$verdict" ] && break
	kill -0 "$QEMU_PID" 2>/dev/null || break
	[ $((SECONDS - start)) -lt "$timeout" ] || break
	sleep 0.2
done
elapsed=$((SECONDS - start))
tr -d '\r' <"$W/console.log" 2>/dev/null || true
case "$verdict" in
*" PASS"*) echo "run.sh: PASS in ${elapsed}s (qemu, $(cat "$KDIR/done"))"; exit 0 ;;
*" FAIL"*) # the runner shows a log's tail: the failed checks go last
	   grep -a '^not ok' "$W/console.log" | tr -d '\r' || true
	   echo "run.sh: FAIL in ${elapsed}s: ${verdict#PIRACK-VM-VERDICT FAIL}" ;;
*) if kill -0 "$QEMU_PID" 2>/dev/null; then
	echo "run.sh: FAIL: no verdict after ${timeout}s"
   else
	echo "run.sh: FAIL: qemu exited without a verdict:"
	cat "$W/qemu.log"
   fi ;;
esac
exit 1
