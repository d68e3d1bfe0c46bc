#!/usr/bin/env bash
# The pi kernels give the same bits on arm64 as here: tests/tools/pi_bits
# cross-compiled (gcc, and clang when present) and run under qemu-user,
# NEON and portable kernels, against every kernel this x86 CPU runs.
source "$(dirname "$0")/../lib.sh"
t_variants plain -- "the cross build does not depend on the variant"
t_init
[ "$(uname -m)" = x86_64 ] ||
	skip "x86-64 hosts only (on arm64 the unit tests compare the kernels)"
for c in aarch64-linux-gnu-gcc qemu-aarch64; do
	command -v "$c" >/dev/null ||
		skip "no $c (gcc-aarch64-linux-gnu, qemu-user: deploy/deps.sh)"
done
SYSROOT=/usr/aarch64-linux-gnu
[ -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ] ||
	skip "no arm64 C library in $SYSROOT (libc6-dev-arm64-cross)"
[ -x "$BIN/tests/tools/pi_bits" ] || fail "$BIN/tests/tools/pi_bits not built"
cd "$TOP"

# mpi/mpi.mk's flags for pi_kernel.o (plus a Pi 4 tuning: no other bits).
flags=(-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -ffp-contract=off
       -I. tests/tools/pi_bits.c mpi/pi_kernel.c -lm)
aarch64-linux-gnu-gcc "${flags[@]}" -o "$T/gcc" ||
	fail "aarch64-linux-gnu-gcc failed"
aarch64-linux-gnu-gcc -mcpu=cortex-a72 "${flags[@]}" -o "$T/gcc-a72" ||
	fail "aarch64-linux-gnu-gcc -mcpu=cortex-a72 failed"
builds=(gcc gcc-a72)
if command -v clang >/dev/null; then
	clang --target=aarch64-linux-gnu "${flags[@]}" -o "$T/clang" ||
		fail "clang --target=aarch64-linux-gnu failed"
	builds+=(clang)
fi

"$BIN/tests/tools/pi_bits" >"$T/x86.txt" || fail "pi_bits failed"
for b in "${builds[@]}"; do
	timeout 120 qemu-aarch64 -L "$SYSROOT" "$T/$b" >"$T/$b.txt" ||
		fail "$b: pi_bits under qemu-aarch64 failed"
	# arm64 runs its NEON kernel and the portable one, nothing else
	[ "$(cut -d' ' -f1 "$T/$b.txt" | sort -u | tr '\n' ' ')" = \
	  "generic neon " ] || fail "$b: kernels: $(cut -d' ' -f1 "$T/$b.txt" | sort -u)"
done
cases=$(cut -d' ' -f2-4 "$T/x86.txt" | sort -u | wc -l)
[ "$cases" -ge 8 ] || fail "pi_bits printed $cases cases"
# every (N, FIRST, COUNT) case: one value over every kernel and build
cat "$T"/*.txt | cut -d' ' -f2- | sort -u >"$T/values"
if [ "$(wc -l <"$T/values")" != "$cases" ]; then
	for f in "$T"/*.txt; do echo "--- $f"; cat "$f"; done
	fail "the kernels' bits differ (above, S and C in hex)"
fi
echo "$cases cases, the same bits: $(cut -d' ' -f1 "$T/x86.txt" | sort -u |
	tr '\n' ' ')on x86; ${builds[*]} (neon, generic) on arm64 (qemu)"
