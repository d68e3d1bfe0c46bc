/* pi_kernel.h: the midpoint-rule sum for pi, vectorised, chosen at run time. */
#ifndef PIRACK_PI_KERNEL_H
#define PIRACK_PI_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* A compensated sum: the value is s + c, c holding what s lost. */
struct pi_sum {
	double s, c;
};

typedef void pi_kernel_fn(uint64_t first, uint64_t count, double h,
			  struct pi_sum *sum);

struct pi_kernel {
	const char *name; /* "generic", "neon", "avx2", "avx512" */
	pi_kernel_fn *fn;
};

/*
 * Adds 4 / (1 + x*x) at x = (i + 0.5) * h for i in [first, first + count)
 * to *sum (h > 0). Every kernel gives the same bits: the same IEEE
 * operations in the same order (16 lanes, fused multiply-adds instead of
 * a division per term, a fixed reduction tree, a compensated add every
 * 4096 terms), only the vector width differs.
 */

/*
 * The best kernel this CPU runs (want NULL or "auto"), or the one named;
 * NULL when the name is unknown or the CPU lacks its instructions.
 */
const struct pi_kernel *pi_kernel_pick(const char *want);

/* The i-th kernel this build and CPU run, best first; NULL past the last. */
const struct pi_kernel *pi_kernel_runnable(size_t i);

/* Adds v to the compensated sum (Neumaier's variant of Kahan's). */
void pi_sum_add(struct pi_sum *sum, double v);

#endif
