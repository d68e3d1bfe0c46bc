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

static const char *const names[] = {"avx512", "avx2", "generic"};

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
#if defined(__x86_64__) && defined(__GNUC__)
		__builtin_cpu_init();
		if (i == 0)
			assert_int_equal(k != NULL, __builtin_cpu_supports(
							    "x86-64-v4") != 0);
		if (i == 1)
			assert_int_equal(k != NULL, __builtin_cpu_supports(
							    "x86-64-v3") != 0);
#endif
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

static void test_same_bits(void **state)
{
	/* remainders, one sub-block, several, far from 0, starting odd */
	static const struct {
		uint64_t first, count, n;
	} r[] = {
		{0, 0, 1000},
		{0, 1, 1000},
		{0, 15, 1000},
		{0, 16, 1000},
		{5, 17, 1000},
		{3, 4095, 100000},
		{0, 4096, 4096},
		{7, 3 * 4096 + 17, 100000},
		{999983, 100003, 2000000},
		{UINT64_C(1) << 40, 20011, UINT64_C(1) << 41},
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
			struct pi_sum a = {0.25, 1e-20}, b = a;

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

/* Blocks in any split add to the same pi as one block would (near). */
static void test_pi(void **state)
{
	const uint64_t n = 1000000;
	const double h = 1.0 / (double)n;
	(void)state;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct pi_kernel *k = pi_kernel_pick(names[i]);
		struct pi_sum whole = {0, 0}, parts = {0, 0}, p;
		double pi;

		if (!k)
			continue;
		k->fn(0, n, h, &whole);
		pi = h * (whole.s + whole.c);
		/* midpoint rule: error h^2 / 12 for 4/(1+x^2), ~8e-14 */
		if (!(fabs(pi - M_PI) < 1e-12))
			fail_msg("%s: %.17g, off by %g", k->name, pi,
				 pi - M_PI);
		for (uint64_t first = 0; first < n; first += 77777) {
			uint64_t c = n - first < 77777 ? n - first : 77777;

			p = (struct pi_sum){0, 0};
			k->fn(first, c, h, &p);
			pi_sum_add(&parts, p.s);
			pi_sum_add(&parts, p.c);
		}
		assert_true(fabs(h * (parts.s + parts.c) - pi) < 1e-14);
	}
}

static void test_sum_add(void **state)
{
	struct pi_sum s = {0, 0};
	(void)state;

	/* 1 + 1e-16 * 10: a plain double sum loses every small term */
	pi_sum_add(&s, 1.0);
	for (int i = 0; i < 10; i++)
		pi_sum_add(&s, 1e-16);
	assert_true(s.s == 1.0);
	assert_true(fabs(s.c - 1e-15) < 1e-30);
	/* the big term after the small ones */
	s = (struct pi_sum){1e-16, 0};
	pi_sum_add(&s, 1.0);
	pi_sum_add(&s, -1.0);
	assert_true(s.s + s.c == 1e-16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_same_bits),
		cmocka_unit_test(test_pi),
		cmocka_unit_test(test_sum_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
