#!/usr/bin/env bash
# tests/integration/vm_gpio.sh: the agent's gpiod backends (libgpiod v1 and
# v2 builds) against a real kernel's gpio-sim chip, booted under qemu.
#
# The heavy part lives in tests/vm/ (see run.sh there). This runs once, in
# the plain variant, and covers both GPIO builds in one boot: $BIN/pirackd
# (libgpiod v1, Debian 12) and $BIN/gpiod2/pirackd (libgpiod v2) when the
# gpiod2 variant is built.
source "$(dirname "$0")/../lib.sh"
t_init

t_variants plain -- "vm_gpio: runs in the plain variant only; it boots the kernel once for the v1 and v2 builds, the ${PIRACK_VARIANT:-plain} build adds nothing"
# The guest is Debian's amd64 kernel with x86_64 libraries (tests/vm/)
[ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ] ||
	skip "vm_gpio: amd64 only (the guest is Debian's amd64 kernel under qemu-system-x86_64 with this machine's x86_64 agent builds); this is $(dpkg --print-architecture 2>/dev/null || uname -m)"
command -v qemu-system-x86_64 >/dev/null ||
	skip "vm_gpio: qemu-system-x86_64 is not installed (deploy/deps.sh installs qemu-system-x86)"

# links_gpiod BIN SONAME: the binary really uses that libgpiod API
# (v1 is libgpiod.so.2, v2 is libgpiod.so.3), so both APIs get tested.
# grep without -q: under pipefail, -q exiting early can kill ldd (SIGPIPE).
links_gpiod() {
	ldd "$1" | grep "^[[:space:]]*$2 => /" >/dev/null ||
		fail "$1 does not link $2: $(ldd "$1" | grep gpiod || echo 'no libgpiod')"
}

args=()
if [ -x "$BIN/pirackd" ]; then
	links_gpiod "$BIN/pirackd" libgpiod.so.2
	args+=(--agent "$BIN/pirackd=pirackd-v1")
else
	echo "vm_gpio: no $BIN/pirackd yet: checking the kernel with the libgpiod tools only"
fi
if [ -e "$BIN/gpiod2/pirackd" ] || [ -d "$BIN/gpiod2" ]; then
	[ -x "$BIN/gpiod2/pirackd" ] ||
		fail "$BIN/gpiod2 exists but holds no pirackd"
	links_gpiod "$BIN/gpiod2/pirackd" libgpiod.so.3
	args+=(--agent "$BIN/gpiod2/pirackd=pirackd-v2")
fi
# in the background only so that t_cleanup can TERM it (and it, qemu)
bash "$TOP/tests/vm/run.sh" "${args[@]}" >"$T/vm.out" 2>&1 &
T_PIDS+=("$!")
rc=0
wait "$!" || rc=$?
cat "$T/vm.out"
[ $rc = 77 ] && skip "vm_gpio: $(grep -m1 '^SKIP: ' "$T/vm.out" | sed 's/^SKIP: //')"
[ $rc = 0 ] || fail "the VM test failed (output above)"
