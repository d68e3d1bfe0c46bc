#!/usr/bin/env bash
# The MPI programs under valgrind (singleton MPI, no mpiexec): no memory
# errors, no leaks of pirack's (MPICH's own MPI_Init leaks suppressed). A
# CPU valgrind emulates lacks AVX-512, so the kernel falls back, and the
# bits of pi must not change.
source "$(dirname "$0")/../lib.sh"
t_init
t_variants plain -- "valgrind runs on the plain build only (not with ASan)"
command -v valgrind >/dev/null || skip "valgrind not installed"
# In the arm64 chroot under qemu-user, valgrind died in MPI_Init: UCX's
# memory hooks (ucm) patch the code of mmap & co. at run time, and that
# patching under valgrind's JIT under qemu's faults. Not seen natively.
skip_emulated "valgrind under qemu-user crashes in UCX's code patching (ucm) in MPI_Init"
export PIRACK_SOCKET=$T/none.sock
fake_zone "$T/sys" thermal_zone0 65000		# paced: sleeps too
export PIRACK_SYSFS_ROOT=$T/sys
vg() {
	t_timeout 300 valgrind -q --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		--suppressions="$TOP/tests/integration/mpi_valgrind.supp" "$@"
}
pi_of() { grep -o '"pi":[^,]*' <<<"$1"; }

ref=$("$BIN/pirack-pi" -i 1e6 --json --pace off 2>/dev/null) ||
	fail "pirack-pi failed"
for mode in node; do	# uniform adds no allocation of its own
	out=$(vg "$BIN/pirack-pi" -i 1e6 --json --pace $mode 2>"$T/vg.log") ||
		fail "valgrind pirack-pi --pace $mode: $(grep -v hwloc "$T/vg.log")"
	[ "$(pi_of "$out")" = "$(pi_of "$ref")" ] ||
		fail "pi under valgrind ($(jq -r .kernel <<<"$out")): $out"
done
vg "$BIN/pirack-temps" --json >"$T/out" 2>"$T/vg.log" ||
	fail "valgrind pirack-temps: $(cat "$T/vg.log")"
jq -e '.nodes[0].temp_c == 65' "$T/out" >/dev/null || fail "temps: $(cat "$T/out")"
vg "$BIN/examples/scatter" >"$T/out" 2>"$T/vg.log" ||
	fail "valgrind scatter: $(cat "$T/vg.log")"
grep -qx 'rank 0 has data: 1' "$T/out" || fail "scatter: $(cat "$T/out")"
vg "$BIN/pirack-pi" --intervals 0 2>"$T/vg.log" && fail "bad argument accepted"
[ $? = 2 ] || fail "bad argument under valgrind: $(cat "$T/vg.log")"
echo ok
