/* pi_bits.c: the pi kernels' sums as bits, to compare across ISAs. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "mpi/pi_kernel.h"

/*
 * pi_bits [INTERVALS]: one line per runnable kernel and case,
 * "KERNEL N FIRST COUNT S C" with S and C the compensated sum's two
 * doubles in hex bits; the last case is the whole of [0, INTERVALS)
 * (default 3e7). Every kernel on every ISA must print the same bits.
 */
static uint64_t bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

int main(int argc, char **argv)
{
	/* division, segments of 16 to 4096 terms, cut short, near 0 and 1 */
	static const struct {
		uint64_t n, first, count;
	} r[] = {
		{ 1000, 0, 1000 },
		{ 1000000, 7, 3 * 4096 + 17 },
		{ 3000000, 0, 5000 },
		{ 10000000, 123457, 3 * 4096 + 33 },
		{ 100000000, 99990000, 9999 },
		{ 1000000000, 999987654, 12345 },
		{ 1000000000, 0, 2 * 4096 + 16 },
		{ 0, 0, 0 },
	};
	const struct pi_kernel *k;
	uint64_t n = 30000000;

	if (argc > 1 && sscanf(argv[1], "%" SCNu64, &n) != 1) {
		fprintf(stderr, "usage: pi_bits [INTERVALS]\n");
		return 2;
	}
	for (size_t i = 0; (k = pi_kernel_runnable(i)) != NULL; i++) {
		for (size_t j = 0; j < sizeof(r) / sizeof(r[0]); j++) {
			uint64_t rn = r[j].n ? r[j].n : n;
			uint64_t count = r[j].n ? r[j].count : n;
			struct pi_sum s = { 0, 0 };

			k->fn(r[j].first, count, 1.0 / (double)rn, &s);
			printf("%s %" PRIu64 " %" PRIu64 " %" PRIu64
			       " %016" PRIx64 " %016" PRIx64 "\n",
			       k->name, rn, r[j].first, count, bits(s.s),
			       bits(s.c));
		}
	}
	return 0;
}
