/* pi_kernel.c: one loop body compiled for several ISAs, picked at run time. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "pi_kernel.h"

/*
 * 16 independent lanes: enough to hide the divider's latency at any vector
 * width (2 NEON/SSE2 doubles, 4 AVX2, 8 AVX-512) and to keep each lane's
 * plain partial sum short; every 4096 terms the lanes are folded and added
 * to the compensated sum, so the rounding error stays near one ulp of the
 * result whatever the count. No FMA contraction (-ffp-contract=off): the
 * bits must not depend on the ISA.
 */
#define PI_LANES 16
#define PI_SUB 4096

void pi_sum_add(struct pi_sum *sum, double v)
{
	double t = sum->s + v;

	if (fabs(sum->s) >= fabs(v))
		sum->c += (sum->s - t) + v;
	else
		sum->c += (v - t) + sum->s;
	sum->s = t;
}

static inline __attribute__((always_inline)) void
pi_kernel_body(uint64_t first, uint64_t count, double h, struct pi_sum *sum)
{
	/* Exact below 2^52 intervals: the lanes' x are those of the loop */
	/* x = ((double)i + 0.5) * h of the classic cpi. */
	double xb = (double)first + 0.5, acc[PI_LANES], x;
	uint64_t n, k;
	int j, w;

	while (count >= PI_LANES) {
		n = count < PI_SUB ? count - count % PI_LANES : PI_SUB;
		for (j = 0; j < PI_LANES; j++)
			acc[j] = 0;
		for (k = 0; k < n; k += PI_LANES) {
			for (j = 0; j < PI_LANES; j++) {
				x = (xb + (double)j) * h;
				acc[j] += 4.0 / (1.0 + x * x);
			}
			xb += PI_LANES;
		}
		for (w = PI_LANES / 2; w > 0; w /= 2)
			for (j = 0; j < w; j++)
				acc[j] += acc[j + w];
		pi_sum_add(sum, acc[0]);
		count -= n;
	}
	for (; count > 0; count--, xb += 1) {
		x = xb * h;
		pi_sum_add(sum, 4.0 / (1.0 + x * x));
	}
}

static void pi_kernel_generic(uint64_t first, uint64_t count, double h,
			      struct pi_sum *sum)
{
	pi_kernel_body(first, count, h, sum);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define PI_KERNEL_X86 1
__attribute__((target("arch=x86-64-v3"))) static void
pi_kernel_avx2(uint64_t first, uint64_t count, double h, struct pi_sum *sum)
{
	pi_kernel_body(first, count, h, sum);
}

__attribute__((target("arch=x86-64-v4"))) static void
pi_kernel_avx512(uint64_t first, uint64_t count, double h, struct pi_sum *sum)
{
	pi_kernel_body(first, count, h, sum);
}
#endif

/* Best first. */
static const struct pi_kernel pi_kernels[] = {
#ifdef PI_KERNEL_X86
    {"avx512", pi_kernel_avx512},
    {"avx2", pi_kernel_avx2},
#endif
    {"generic", pi_kernel_generic},
};

static int pi_kernel_runs(const struct pi_kernel *k)
{
#ifdef PI_KERNEL_X86
	__builtin_cpu_init();
	if (strcmp(k->name, "avx512") == 0)
		return __builtin_cpu_supports("x86-64-v4");
	if (strcmp(k->name, "avx2") == 0)
		return __builtin_cpu_supports("x86-64-v3");
#endif
	(void)k;
	return 1;
}

const struct pi_kernel *pi_kernel_pick(const char *want)
{
	size_t i;
	bool any = !want || !*want || strcmp(want, "auto") == 0;

	/* "generic" runs everywhere, so auto always finds one. */
	for (i = 0; i < sizeof(pi_kernels) / sizeof(pi_kernels[0]); i++) {
		if (!any && strcmp(want, pi_kernels[i].name) != 0)
			continue;
		if (pi_kernel_runs(&pi_kernels[i]))
			return &pi_kernels[i];
		if (!any)
			return NULL;
	}
	return NULL;
}
