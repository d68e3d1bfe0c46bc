/*
 * test_pi_kernel.c: every kernel this CPU runs gives the portable one's
 * bits (mpi/pi_kernel.c), and the sum is pi to within the rule's error.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "mpi/pi_kernel.h"

static const char *const names[] = { "avx512", "avx2", "neon", "generic" };

/* Whether this CPU has kernel i's instructions, as far as the test knows. */
static int cpu_has(size_t i)
{
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	if (i == 0)
		return __builtin_cpu_supports("avx512f") != 0;
	if (i == 1)
		return __builtin_cpu_supports("avx2") &&
		       __builtin_cpu_supports("fma");
	if (i == 2)
		return 0;
#elif defined(__aarch64__)
	if (i < 2)
		return 0;
#else
	if (i < 3)
		return 0;
#endif
	return 1;
}

static void test_pick(void **state)
{
	const struct pi_kernel *k;
	(void)state;

	k = pi_kernel_pick("generic");
	assert_non_null(k);
	assert_string_equal(k->name, "generic");
	assert_non_null(pi_kernel_pick(NULL));
	assert_non_null(pi_kernel_pick(""));
	assert_ptr_equal(pi_kernel_pick("auto"), pi_kernel_pick(NULL));
	assert_null(pi_kernel_pick("sse9"));
	assert_null(pi_kernel_pick("AVX2"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		k = pi_kernel_pick(names[i]);
		assert_int_equal(k != NULL, cpu_has(i));
		if (k)
			assert_string_equal(k->name, names[i]);
	}
	/* auto: the first that runs, best first */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((k = pi_kernel_pick(names[i])) != NULL) {
			assert_ptr_equal(pi_kernel_pick("auto"), k);
			break;
		}
	}
}

/* The list --help prints: what runs here, best first, generic last. */
static void test_runnable(void **state)
{
	const struct pi_kernel *k;
	size_t i, j = 0;
	(void)state;

	for (i = 0; (k = pi_kernel_runnable(i)) != NULL; i++) {
		while (j < sizeof(names) / sizeof(names[0]) &&
		       strcmp(names[j], k->name) != 0)
			assert_false(cpu_has(j++));
		assert_true(j < sizeof(names) / sizeof(names[0]));
		assert_ptr_equal(pi_kernel_pick(k->name), k);
		j++;
	}
	assert_true(i >= 1);
	assert_string_equal(pi_kernel_runnable(i - 1)->name, "generic");
	assert_ptr_equal(pi_kernel_runnable(0), pi_kernel_pick("auto"));
	assert_null(pi_kernel_runnable(i + 1));
}

static void test_same_bits(void **state)
{
	/* remainders, one sub-block, several, far from 0, starting odd */
	static const struct {
		uint64_t first, count, n;
	} r[] = {
		{ 0, 0, 1000 },
		{ 0, 1, 1000 },
		{ 0, 15, 1000 },
		{ 0, 16, 1000 },
		{ 5, 17, 1000 },
		{ 3, 4095, 100000 },
		{ 0, 4096, 4096 },
		{ 7, 3 * 4096 + 17, 100000 },
		{ 999983, 100003, 2000000 },
		{ UINT64_C(1) << 40, 20011, UINT64_C(1) << 41 },
		/* no division: segments of 16, 64, 512 and 4096 terms, */
		/* whole and cut short, near x = 0, 1/2 and 1 */
		{ 0, 5000, 3000000 },
		{ 2999000, 1000, 3000000 },
		{ 123457, 3 * 4096 + 33, 10000000 },
		{ 49999999, 4096 + 160, 100000000 },
		{ 99990000, 9999, 100000000 },
		{ 0, 2 * 4096 + 16, 1000000000 },
		{ 999987654, 12345, 1000000000 },
		{ (UINT64_C(1) << 52) - 50000, 40000, UINT64_C(1) << 52 },
	};
	const struct pi_kernel *generic = pi_kernel_pick("generic");
	int ran = 0;
	(void)state;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct pi_kernel *k = pi_kernel_pick(names[i]);

		if (!k)
			continue;
		ran++;
		for (size_t j = 0; j < sizeof(r) / sizeof(r[0]); j++) {
			double h = 1.0 / (double)r[j].n;
			struct pi_sum a = { 0.25, 1e-20 }, b = a;

			generic->fn(r[j].first, r[j].count, h, &a);
			k->fn(r[j].first, r[j].count, h, &b);
			if (memcmp(&a, &b, sizeof(a)) != 0)
				fail_msg("%s [%llu, +%llu): %.17g%+.17g, "
					 "generic %.17g%+.17g",
					 k->name,
					 (unsigned long long)r[j].first,
					 (unsigned long long)r[j].count, b.s,
					 b.c, a.s, a.c);
		}
	}
	print_message("%d kernel(s) compared\n", ran);
	assert_true(ran >= 1);
}

/*
 * The midpoint rule gives pi + h^2 / 12 (+ O(h^4)) for 4/(1+x^2): what is
 * left is the kernel's own error. 1e6 intervals divide, 4e6 do not. Blocks
 * in any split add to the same pi as one block would (near).
 */
static void test_pi(void **state)
{
	static const uint64_t ns[] = { 1000000, 4000000 };
	(void)state;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct pi_kernel *k = pi_kernel_pick(names[i]);

		for (size_t m = 0; k && m < sizeof(ns) / sizeof(ns[0]); m++) {
			const uint64_t n = ns[m];
			const double h = 1.0 / (double)n;
			struct pi_sum whole = { 0, 0 }, parts = { 0, 0 }, p;
			double pi;

			k->fn(0, n, h, &whole);
			pi = h * (whole.s + whole.c);
			if (!(fabs(pi - h * h / 12 - M_PI) < 2e-15))
				fail_msg("%s, %llu: %.17g, off by %g", k->name,
					 (unsigned long long)n, pi,
					 pi - h * h / 12 - M_PI);
			for (uint64_t first = 0; first < n; first += 77777) {
				uint64_t c =
				    n - first < 77777 ? n - first : 77777;

				p = (struct pi_sum){ 0, 0 };
				k->fn(first, c, h, &p);
				pi_sum_add(&parts, p.s);
				pi_sum_add(&parts, p.c);
			}
			assert_true(fabs(h * (parts.s + parts.c) - pi) < 1e-14);
		}
	}
}

/* The bound at 1e8 intervals, with the best kernel (fast). */
static void test_pi_1e8(void **state)
{
	const uint64_t n = 100000000;
	const double h = 1.0 / (double)n;
	struct pi_sum sum = { 0, 0 };
	double pi;
	(void)state;

	pi_kernel_pick("auto")->fn(0, n, h, &sum);
	pi = h * (sum.s + sum.c);
	if (!(fabs(pi - M_PI) <= 2e-15))
		fail_msg("%.17g, off by %g", pi, pi - M_PI);
}

/*
 * Stretches where e is largest (x near 1, the longest segments) against
 * a long double sum: within a few ulps of the stretch's sum.
 */
static void test_close(void **state)
{
	static const struct {
		uint64_t first, count, n;
	} r[] = {
		{ 999900000, 100000, 1000000000 },
		{ 499950000, 100000, 1000000000 },
		{ 99990000, 10000, 100000000 },
		{ 3990000, 10000, 4000000 },
	};
	(void)state;

	for (size_t j = 0; j < sizeof(r) / sizeof(r[0]); j++) {
		const double h = 1.0 / (double)r[j].n;
		const struct pi_kernel *k = pi_kernel_pick("auto");
		struct pi_sum sum = { 0, 0 };
		long double ref = 0, x, got;

		for (uint64_t i = r[j].first; i < r[j].first + r[j].count;
		     i++) {
			x = ((long double)i + 0.5L) / (long double)r[j].n;
			ref += 4 / (1 + x * x);
		}
		k->fn(r[j].first, r[j].count, h, &sum);
		got = (long double)sum.s + (long double)sum.c;
		print_message("[%llu, +%llu) of %llu: relative error %.3Lg\n",
			      (unsigned long long)r[j].first,
			      (unsigned long long)r[j].count,
			      (unsigned long long)r[j].n, got / ref - 1);
		if (!(fabsl(got / ref - 1) < 2e-16L))
			fail_msg("%s [%llu, +%llu): %.20Lg, long double %.20Lg",
				 k->name, (unsigned long long)r[j].first,
				 (unsigned long long)r[j].count, got, ref);
	}
}

static void test_sum_add(void **state)
{
	struct pi_sum s = { 0, 0 };
	(void)state;

	/* 1 + 1e-16 * 10: a plain double sum loses every small term */
	pi_sum_add(&s, 1.0);
	for (int i = 0; i < 10; i++)
		pi_sum_add(&s, 1e-16);
	assert_true(s.s == 1.0);
	assert_true(fabs(s.c - 1e-15) < 1e-30);
	/* the big term after the small ones */
	s = (struct pi_sum){ 1e-16, 0 };
	pi_sum_add(&s, 1.0);
	pi_sum_add(&s, -1.0);
	assert_true(s.s + s.c == 1e-16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_runnable),
		cmocka_unit_test(test_same_bits),
		cmocka_unit_test(test_pi),
		cmocka_unit_test(test_pi_1e8),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_sum_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
