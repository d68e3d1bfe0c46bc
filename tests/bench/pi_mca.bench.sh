#!/usr/bin/env bash
# Estimates, not measurements: cycles per interval on the Pi's cores by
# llvm-mca, for pirack-pi's NEON kernel loop against the classic cpi's
# loop (tests/bench/cpi.c), both compiled for arm64 as `make` compiles them
# (-O2, no -mcpu: what a Pi's own gcc builds). llvm-mca repeats the inner
# loop's instructions in steady state: no cache misses, no branch misses.
#
#   tests/bench/pi_mca.bench.sh [-v]     -v: also each loop and mca's report
#
# Needs llvm-mca (llvm-14) and an arm64 compiler: aarch64-linux-gnu-gcc
# (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross) or the host's cc on arm64;
# prints why and exits 0 when they are missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
verbose=0
[ "${1:-}" = -v ] && verbose=1
CORES=${PI_MCA_CORES:-cortex-a72 cortex-a76}
MCA=$(command -v llvm-mca-14 || command -v llvm-mca || true)
if [ "$(uname -m)" = aarch64 ]; then
	CC_ARM=${CC_ARM:-cc}
else
	CC_ARM=${CC_ARM:-aarch64-linux-gnu-gcc}
fi
if [ -z "$MCA" ] || ! command -v "${CC_ARM%% *}" >/dev/null; then
	echo "pi_mca: skipped: needs llvm-mca (llvm-14) and $CC_ARM" \
		"(deploy/deps.sh --bench)"
	exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# cpi.c needs only mpi.h's declarations to compile to assembly.
cat >"$T/mpi.h" <<'EOF'
typedef int MPI_Comm, MPI_Datatype, MPI_Op;
#define MPI_COMM_WORLD 0
#define MPI_LONG_LONG 0
#define MPI_DOUBLE 0
#define MPI_SUM 0
int MPI_Init(int *, char ***);
int MPI_Comm_size(MPI_Comm, int *);
int MPI_Comm_rank(MPI_Comm, int *);
double MPI_Wtime(void);
int MPI_Bcast(void *, int, MPI_Datatype, int, MPI_Comm);
int MPI_Reduce(const void *, void *, int, MPI_Datatype, MPI_Op, int, MPI_Comm);
int MPI_Finalize(void);
EOF
# The flags of mpi/mpi.mk's rules for pi_kernel.o and cpi.
$CC_ARM -std=c11 -D_GNU_SOURCE -O2 -ffp-contract=off -S \
	-o "$T/kernel.s" mpi/pi_kernel.c
$CC_ARM -std=c11 -D_GNU_SOURCE -O2 -I"$T" -S -o "$T/cpi.s" tests/bench/cpi.c

# FUNC PATTERN < ASM: the body of the innermost loop (a label, then a
# branch back to it) of FUNC whose instructions match PATTERN.
loop() {
	awk -v f="$1" '$0 ~ "^" f ":" { on = 1 } on { print }
		on && /^[ \t]+\.size/ { exit }' |
	awk -v pat="$2" '
	{ line[NR] = $0 }
	/^[.A-Za-z0-9_$]+:/ { l = $1; sub(/:$/, "", l); at[l] = NR }
	/^[ \t]+(b|b\.?[a-z][a-z]|cbn?z|tbn?z)[ \t]/ {
		if ($NF in at) { lo[++n] = at[$NF]; hi[n] = NR }
	}
	END {
		for (i = 1; i <= n; i++) {
			hit = 0
			for (j = lo[i] + 1; j <= hi[i]; j++)
				if (line[j] ~ pat) hit = 1
			if (hit && (!b || hi[i] - lo[i] < hi[b] - lo[b])) b = i
		}
		if (!b) exit 1
		for (j = lo[b] + 1; j <= hi[b]; j++)
			if (line[j] ~ /^[ \t]+[a-z]/ && line[j] !~ /^[ \t]+\./)
				print line[j]
	}'
}
loop pi_kernel_neon 'fmls' <"$T/kernel.s" >"$T/kernel_loop.s" ||
	{ echo "pi_mca: no NEON loop found in pi_kernel_neon" >&2; exit 1; }
loop main 'fdiv' <"$T/cpi.s" >"$T/cpi_loop.s" ||
	{ echo "pi_mca: no fdiv loop found in cpi's main" >&2; exit 1; }
# Intervals per pass: one fmls (g) per two lanes; cpi: one fdiv each.
kint=$((2 * $(grep -c 'fmls' "$T/kernel_loop.s")))
cint=$(grep -c 'fdiv' "$T/cpi_loop.s")
# Stores to the stack would mean sums spilled; loads, constants reloaded.
sst=$(grep -cE '^[[:space:]]+st[a-z0-9]*[[:space:]].*\[sp' "$T/kernel_loop.s" || true)
sld=$(grep -cE '^[[:space:]]+ld[a-z0-9]*[[:space:]].*\[sp' "$T/kernel_loop.s" || true)

cyc() {	# CORE FILE -> cycles per pass
	"$MCA" -mtriple=aarch64-linux-gnu -mcpu="$1" -iterations=1000 "$2" \
		2>/dev/null | awk '/^Total Cycles:/ { print $3 / 1000 }'
}
model() {	# CORE -> the scheduling model's name, from its first resource
	"$MCA" -mtriple=aarch64-linux-gnu -mcpu="$1" -resource-pressure \
		"$T/cpi_loop.s" 2>/dev/null |
		awk '/^\[0\]/ { m = $3; sub(/Unit.*/, "", m); print m; exit }
		     END { if (m == "") print "?" }'
}
echo "llvm-mca estimates (LLVM $($MCA --version | awk '/LLVM version/ { print $NF }');" \
	"$($CC_ARM --version | head -n 1)):"
echo "NEON loop: $(wc -l <"$T/kernel_loop.s") instructions for $kint intervals" \
	"($sst stack stores, $sld stack loads); cpi loop: $(wc -l <"$T/cpi_loop.s")" \
	"for $cint"
printf '%-12s %-6s %12s %13s %8s\n' CORE MODEL "CPI CYC/INT" \
	"NEON CYC/INT" "VS CPI"
for c in $CORES; do
	kc=$(cyc "$c" "$T/kernel_loop.s")
	cc=$(cyc "$c" "$T/cpi_loop.s")
	awk -v c="$c" -v m="$(model "$c")" -v k="$kc" -v ki="$kint" -v p="$cc" \
	    -v pi="$cint" 'BEGIN {
		printf "%-12s %-6s %12.2f %13.2f %7.2fx\n", c, m, p / pi,
			k / ki, (p / pi) / (k / ki) }'
	if [ $verbose = 1 ]; then
		for f in kernel_loop cpi_loop; do
			echo "--- $c $f"
			"$MCA" -mtriple=aarch64-linux-gnu -mcpu="$c" \
				-iterations=1000 "$T/$f.s" 2>&1
		done
	fi
done
echo "(MODEL: the scheduling model llvm-mca used; Debian 12's LLVM has none of" \
	"its own for the Cortex-A72 or A76 and uses the Cortex-A57's for both.)"
