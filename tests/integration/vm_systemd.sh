#!/usr/bin/env bash
# tests/integration/vm_systemd.sh: deploy/install.sh and the units under a
# real systemd (Debian, PID 1) booted under qemu with a gpio-sim chip: the
# unit active without a reboot, its user and groups, gpioinfo's consumer,
# the watchdog, the fail-safe holder after a stop, reloads that say what
# happened, the crash loop's end, MQTT to a broker in the guest.
#
# The heavy part lives in tests/vm/ (sdboot.sh, guest_systemd.sh); the
# kernel and the root image are built by make check's build step
# (tests/vm/vm.mk). Runs once, in the plain variant, as root.
# The emulated machine (TCG) takes minutes, more on a loaded host:
# run.sh timeout: 900
source "$(dirname "$0")/../lib.sh"
t_init

t_variants plain -- "vm_systemd: runs in the plain variant only: the guest's Debian runs the plain build (no sanitizer runtime there), the other builds add nothing"
[ "$(uname -m)" = x86_64 ] ||
	skip "vm_systemd: the VM is x86-64 (Debian's amd64 kernel), this is $(uname -m)"
[ "$(id -u)" = 0 ] ||
	skip "vm_systemd: needs root (the root image is built with debootstrap)"
command -v qemu-system-x86_64 >/dev/null ||
	skip "vm_systemd: qemu-system-x86_64 is not installed (deploy/deps.sh installs qemu-system-x86)"

t_install DESTDIR="$T/stage" PREFIX=/usr/local >"$T/make.log" 2>&1 ||
	fail "make install (stage): $(tail -n 3 "$T/make.log")"
# in the background only so that t_cleanup can TERM it (and it, qemu)
bash "$TOP/tests/vm/sdboot.sh" --stage "$T/stage" --timeout 840 >"$T/vm.out" 2>&1 &
T_PIDS+=("$!")
rc=0
wait "$!" || rc=$?
cat "$T/vm.out"
[ $rc = 77 ] && skip "vm_systemd: $(grep -m1 '^SKIP: ' "$T/vm.out" | sed 's/^SKIP: //')"
[ $rc = 0 ] || fail "the real-systemd VM test failed (output above)"
