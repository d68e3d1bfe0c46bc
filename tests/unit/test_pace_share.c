/* test_pace_share.c: the work-sharing plan: rounds and the split by weight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "mpi/pace_share.h"

#define MAX 512

/* Rounds tile [0, n) in order, shrink, and keep a floor per rank. */
static void check_rounds(uint64_t n, int ranks)
{
	uint64_t start[MAX];
	uint32_t r, k = pace_share_rounds(n, ranks, start, MAX);

	if (n == 0) {
		assert_int_equal(k, 0);
		return;
	}
	assert_true(k >= 1 && k < MAX);
	assert_int_equal(start[0], 0);
	assert_int_equal(start[k], n);
	for (r = 0; r < k; r++) {
		uint64_t g = start[r + 1] - start[r];

		assert_true(g > 0);
		/* at least 2 per rank unless the whole job is smaller */
		assert_true(g >= 2 * (uint64_t)ranks || g == n - start[r]);
		/* rounds never grow, but for the last taking a sliver */
		if (r + 2 < k)
			assert_true(start[r + 2] - start[r + 1] <= g);
	}
}

static void test_rounds(void **state)
{
	(void)state;
	check_rounds(0, 4);
	check_rounds(1, 4);
	check_rounds(7, 16);
	check_rounds(116, 4);
	check_rounds(16383, 16);
	check_rounds(1000000, 1);
	check_rounds(UINT64_C(1) << 40, 64);
}

/* Rounds run out of room: the last one takes the rest. */
static void test_rounds_bounded(void **state)
{
	uint64_t start[4];
	(void)state;

	assert_int_equal(pace_share_rounds(1000000, 1, start, 4), 3);
	assert_int_equal(start[0], 0);
	assert_int_equal(start[3], 1000000);
}

static void test_split(void **state)
{
	double w[3] = { 1, 2, 1 }, zero[3] = { 0, 0, 0 }, one[3] = { 0, 5, 0 };
	uint64_t f[4];
	(void)state;

	pace_share_split(100, 200, w, 3, f);
	assert_int_equal(f[0], 100);
	assert_int_equal(f[1], 125);
	assert_int_equal(f[2], 175);
	assert_int_equal(f[3], 200);
	/* nothing known: equal parts */
	pace_share_split(0, 9, zero, 3, f);
	assert_int_equal(f[1], 3);
	assert_int_equal(f[2], 6);
	assert_int_equal(f[3], 9);
	/* a weight of 0 gets nothing */
	pace_share_split(0, 10, one, 3, f);
	assert_int_equal(f[1], 0);
	assert_int_equal(f[2], 10);
	assert_int_equal(f[3], 10);
	/* an empty round */
	pace_share_split(5, 5, w, 3, f);
	assert_int_equal(f[0], 5);
	assert_int_equal(f[3], 5);
}

/* A hot node at pace 0.05 next to a cool one: about 1/21 of each round. */
static void test_split_hot_cool(void **state)
{
	double w[2] = { 2 * 0.05, 2 * 1.0 };
	uint64_t f[3];
	(void)state;

	pace_share_split(0, 2100, w, 2, f);
	assert_int_equal(f[1], 100);
	assert_int_equal(f[2], 2100);
}

/* Equal rates, no backlog: equal parts; the weights add up to the items. */
static void test_fill_even(void **state)
{
	double rate[3] = { 10, 10, 10 }, back[3] = { 0, 0, 0 }, w[3];
	(void)state;

	pace_share_fill(rate, back, 3, 30, w);
	assert_float_equal(w[0], 10, 1e-9);
	assert_float_equal(w[1], 10, 1e-9);
	assert_float_equal(w[2], 10, 1e-9);
}

/*
 * A domain behind by more than the round is worth gets nothing; the
 * others share the round so that all finish together: rates 10 (5 items
 * left) and 20 (none) finish 45 items at t = 5/3 (10 t - 5 + 20 t = 45).
 */
static void test_fill_backlog(void **state)
{
	double rate[3] = { 10, 20, 10 }, back[3] = { 5, 0, 100 }, w[3];
	uint64_t f[4];
	(void)state;

	pace_share_fill(rate, back, 3, 45, w);
	assert_float_equal(w[0], 10 * 5.0 / 3 - 5, 1e-6);
	assert_float_equal(w[1], 20 * 5.0 / 3, 1e-6);
	assert_float_equal(w[2], 0, 0);
	pace_share_split(0, 45, w, 3, f);
	assert_int_equal(f[1], 12);
	assert_int_equal(f[2], 45);
	assert_int_equal(f[3], 45);
}

/* No rate known, or no items: the rates themselves (the split's rules). */
static void test_fill_degenerate(void **state)
{
	double zero[2] = { 0, 0 }, rate[2] = { 1, 3 }, back[2] = { 7, 0 };
	double w[2];
	(void)state;

	pace_share_fill(zero, back, 2, 10, w);
	assert_float_equal(w[0], 0, 0);
	assert_float_equal(w[1], 0, 0);
	pace_share_fill(rate, back, 2, 0, w);
	assert_float_equal(w[0], 1, 0);
	assert_float_equal(w[1], 3, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rounds),
		cmocka_unit_test(test_rounds_bounded),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_hot_cool),
		cmocka_unit_test(test_fill_even),
		cmocka_unit_test(test_fill_backlog),
		cmocka_unit_test(test_fill_degenerate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
