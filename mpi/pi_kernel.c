/* pi_kernel.c: one loop body compiled for several ISAs, picked at run time. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "pi_kernel.h"

/*
 * 16 independent lanes, each with its own partial sum; every 4096 terms
 * the lanes are folded in a fixed tree and added to the compensated sum,
 * so the rounding error stays near one ulp of the result whatever the
 * count. No FMA contraction (-ffp-contract=off) and every fused
 * multiply-add written out as one: the bits must not depend on the ISA.
 *
 * No division per term: dividers are slow and, on the Pi's Cortex-A72,
 * not pipelined. The terms are taken in segments of at most 4096 whose x
 * span at most 2^-17; each segment has one reciprocal rm = 1/dm of a
 * d = 1 + x^2 inside it, and for each term e = 1 - rm d is at most 2^-18
 * (x / (1 + x^2) <= 1/2), so 1/d = rm (1 + e + e^2) to within
 * e^3 <= 2^-54 (the odd e^3 also cancels over the segment): two adds and
 * two fused multiply-adds per term; the constant rm is added once per
 * segment, dm g^2 (g = rm e) once per segment and lane. Coarser steps
 * (fewer than about 2 million intervals on [0, 1]) divide, as the classic
 * cpi does.
 */
#define PI_LANES 16
#define PI_SUB 4096
#define PI_SPAN 0x1p-17

/* GCC contracts nothing in ISO C mode; clang would, within a statement. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

void pi_sum_add(struct pi_sum *sum, double v)
{
	double t = sum->s + v;

	if (fabs(sum->s) >= fabs(v))
		sum->c += (sum->s - t) + v;
	else
		sum->c += (v - t) + sum->s;
	sum->s = t;
}

/* One segment's constants. */
struct pi_seg {
	double dm; /* 1 + x^2 near the segment's middle */
	double hr; /* h rm, with rm = 1 / dm */
	double c2; /* rm - rm^2 */
};

/* Terms per segment: a power of 2 from 16 to PI_SUB, or 0 to divide. */
static inline uint64_t pi_seg_len(double h)
{
	uint64_t n = PI_SUB;

	while (n >= PI_LANES && (double)n * h > PI_SPAN)
		n /= 2;
	return n >= PI_LANES ? n : 0;
}

/*
 * The segment of c terms whose first midpoint is xb h: its constants,
 * and c rm, exactly as two doubles, times 4 into the sum.
 */
static inline void pi_seg_init(struct pi_seg *s, double xb, uint64_t c,
			       double h, struct pi_sum *sum)
{
	double xa = xb * h, xz = (xb + (double)(c - 1)) * h, rm, p;

	/* e is as large at both ends */
	s->dm = 1.0 + 0.5 * (xa * xa + xz * xz);
	rm = 1.0 / s->dm;
	s->hr = h * rm;
	s->c2 = fma(-rm, rm, rm);
	p = (double)c * rm;
	pi_sum_add(sum, 4.0 * p);
	pi_sum_add(sum, 4.0 * fma((double)c, rm, -p));
}

/* The lanes' partial sums in a fixed tree (it overwrites them). */
static inline double pi_fold(double acc[PI_LANES])
{
	int j, w;

	for (w = PI_LANES / 2; w > 0; w /= 2)
		for (j = 0; j < w; j++)
			acc[j] += acc[j + w];
	return acc[0];
}

/* Fewer than 16 terms left: one by one. */
static inline void pi_tail(double xb, uint64_t count, double h,
			   struct pi_sum *sum)
{
	double x;

	for (; count > 0; count--, xb += 1) {
		x = xb * h;
		pi_sum_add(sum, 4.0 / (1.0 + x * x));
	}
}

/* Coarse steps: 16 lanes that divide, scalar, and the tail. */
static void pi_slow(double xb, uint64_t count, double h, struct pi_sum *sum)
{
	double acc[PI_LANES], x;
	uint64_t n, k;
	int j;

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
		pi_sum_add(sum, pi_fold(acc));
		count -= n;
	}
	pi_tail(xb, count, h, sum);
}

/* Portable C: 16 scalar lanes, fma() from C99. */
#define PI_BODY pi_kernel_generic
#define PI_ATTR
#define PI_V double
#define PI_W 1
/* one lane a name, as the vector kernels list them (kept as written) */
/* clang-format off */
#define PI_EACH(S) S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) \
		   S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
/* clang-format on */
#define PI_DUP(x) (x)
#define PI_LOAD(p) (*(p))
#define PI_STORE(p, v) (*(p) = (v))
#define PI_ADD(a, b) ((a) + (b))
#define PI_MUL(a, b) ((a) * (b))
#define PI_FMA(a, b, c) fma(a, b, c)
#define PI_FNMA(a, b, c) fma(-(a), b, c)
#include "pi_kernel_body.h"

#if defined(__aarch64__)
#include <arm_neon.h>
#define PI_KERNEL_NEON 1
#define PI_BODY pi_kernel_neon
#define PI_ATTR
#define PI_V float64x2_t
#define PI_W 2
#define PI_EACH(S) S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7)
#define PI_DUP(x) vdupq_n_f64(x)
#define PI_LOAD(p) vld1q_f64(p)
#define PI_STORE(p, v) vst1q_f64(p, v)
#define PI_ADD(a, b) vaddq_f64(a, b)
#define PI_MUL(a, b) vmulq_f64(a, b)
#define PI_FMA(a, b, c) vfmaq_f64(c, a, b)
#define PI_FNMA(a, b, c) vfmsq_f64(c, a, b)
#include "pi_kernel_body.h"
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PI_KERNEL_X86 1
#define PI_BODY pi_kernel_avx2
#define PI_ATTR __attribute__((target("avx2,fma")))
#define PI_V __m256d
#define PI_W 4
#define PI_EACH(S) S(0) S(1) S(2) S(3)
#define PI_DUP(x) _mm256_set1_pd(x)
#define PI_LOAD(p) _mm256_loadu_pd(p)
#define PI_STORE(p, v) _mm256_storeu_pd(p, v)
#define PI_ADD(a, b) _mm256_add_pd(a, b)
#define PI_MUL(a, b) _mm256_mul_pd(a, b)
#define PI_FMA(a, b, c) _mm256_fmadd_pd(a, b, c)
#define PI_FNMA(a, b, c) _mm256_fnmadd_pd(a, b, c)
#include "pi_kernel_body.h"

#define PI_BODY pi_kernel_avx512
#define PI_ATTR __attribute__((target("avx512f")))
#define PI_V __m512d
#define PI_W 8
#define PI_EACH(S) S(0) S(1)
#define PI_DUP(x) _mm512_set1_pd(x)
#define PI_LOAD(p) _mm512_loadu_pd(p)
#define PI_STORE(p, v) _mm512_storeu_pd(p, v)
#define PI_ADD(a, b) _mm512_add_pd(a, b)
#define PI_MUL(a, b) _mm512_mul_pd(a, b)
#define PI_FMA(a, b, c) _mm512_fmadd_pd(a, b, c)
#define PI_FNMA(a, b, c) _mm512_fnmadd_pd(a, b, c)
#include "pi_kernel_body.h"
#endif

/* Best first. */
static const struct pi_kernel pi_kernels[] = {
#ifdef PI_KERNEL_X86
	{ "avx512", pi_kernel_avx512 },
	{ "avx2", pi_kernel_avx2 },
#endif
#ifdef PI_KERNEL_NEON
	{ "neon", pi_kernel_neon },
#endif
	{ "generic", pi_kernel_generic },
};

/*
 * The features each kernel's target attribute names; the compiler's
 * check includes the OS's (XSAVE) support for the wider registers.
 */
static int pi_kernel_runs(const struct pi_kernel *k)
{
#ifdef PI_KERNEL_X86
	__builtin_cpu_init();
	if (strcmp(k->name, "avx512") == 0)
		return __builtin_cpu_supports("avx512f");
	if (strcmp(k->name, "avx2") == 0)
		return __builtin_cpu_supports("avx2") &&
		       __builtin_cpu_supports("fma");
#endif
	(void)k;
	return 1;
}

const struct pi_kernel *pi_kernel_runnable(size_t i)
{
	size_t j;

	for (j = 0; j < sizeof(pi_kernels) / sizeof(pi_kernels[0]); j++)
		if (pi_kernel_runs(&pi_kernels[j]) && i-- == 0)
			return &pi_kernels[j];
	return NULL;
}

const struct pi_kernel *pi_kernel_pick(const char *want)
{
	const struct pi_kernel *k;
	size_t i;

	/* "generic" runs everywhere, so auto always finds one. */
	if (!want || !*want || strcmp(want, "auto") == 0)
		return pi_kernel_runnable(0);
	for (i = 0; (k = pi_kernel_runnable(i)) != NULL; i++)
		if (strcmp(want, k->name) == 0)
			return k;
	return NULL;
}
