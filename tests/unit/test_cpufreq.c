/* test_cpufreq.c: the clock lever: the split of a pace, and a fake tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "agent/cpufreq.h"
#include "fixture.h"

/* A Pi 4: 600 to 1500 MHz. */
static const struct cpufreq_range pi4 = { .fmin = 600000, .fmax = 1500000 };

static void test_full_pace_is_full_clock(void **state)
{
	long khz;
	double rp;

	(void)state;
	cpufreq_split(1, &pi4, &khz, &rp);
	assert_int_equal(khz, 1500000);
	assert_float_equal(rp, 1, 1e-9);
}

/* Within the clock's range the clock takes it all: the ranks run free. */
static void test_clock_takes_the_pace_first(void **state)
{
	long khz;
	double rp;

	(void)state;
	cpufreq_split(0.6, &pi4, &khz, &rp);
	assert_int_equal(khz, 900000);
	assert_float_equal(rp, 1, 1e-9);
	cpufreq_split(0.4, &pi4, &khz, &rp); /* exactly fmin */
	assert_int_equal(khz, 600000);
	assert_float_equal(rp, 1, 1e-9);
}

/* Below fmin/fmax the ranks sleep for what the clock cannot do. */
static void test_ranks_get_the_rest(void **state)
{
	long khz;
	double rp;

	(void)state;
	cpufreq_split(0.2, &pi4, &khz, &rp);
	assert_int_equal(khz, 600000);
	assert_float_equal(rp, 0.5, 1e-9); /* 0.2 / 0.4 */
	cpufreq_split(0, &pi4, &khz, &rp);
	assert_int_equal(khz, 600000);
	assert_float_equal(rp, 0, 1e-9);
}

static void test_out_of_range_paces(void **state)
{
	long khz;
	double rp;

	(void)state;
	cpufreq_split(-1, &pi4, &khz, &rp);
	assert_float_equal(rp, 0, 1e-9);
	cpufreq_split(NAN, &pi4, &khz, &rp); /* blind: stop */
	assert_int_equal(khz, 600000);
	assert_float_equal(rp, 0, 1e-9);
	cpufreq_split(7, &pi4, &khz, &rp);
	assert_int_equal(khz, 1500000);
	assert_float_equal(rp, 1, 1e-9);
}

/* Listed frequencies: at or below the ask, never hotter than asked. */
static void test_available_frequencies_round_down(void **state)
{
	struct cpufreq_range r = {
		.fmin = 600000,
		.fmax = 1500000,
		.navail = 4,
		.avail = { 600000, 1000000, 1200000, 1500000 },
	};
	long khz;
	double rp;

	(void)state;
	cpufreq_split(0.75, &r, &khz, &rp); /* 1125 MHz asked */
	assert_int_equal(khz, 1000000);
	assert_float_equal(rp, 1, 1e-9); /* 0.75 / 0.667 > 1 */
	cpufreq_split(0.8, &r, &khz, &rp);
	assert_int_equal(khz, 1200000);
	cpufreq_split(0.3, &r, &khz, &rp);
	assert_int_equal(khz, 600000);
	assert_float_equal(rp, 0.75, 1e-9);
}

/* A driver that cannot scale (fmin == fmax): the ranks take the pace. */
static void test_fixed_clock(void **state)
{
	struct cpufreq_range r = { .fmin = 1000000, .fmax = 1000000 };
	long khz;
	double rp;

	(void)state;
	cpufreq_split(0.3, &r, &khz, &rp);
	assert_int_equal(khz, 1000000);
	assert_float_equal(rp, 0.3, 1e-9);
}

/* A Pi 4 whose driver lists every 100 MHz (raspberrypi-cpufreq). */
static const struct cpufreq_range pi4_listed = {
	.fmin = 600000,
	.fmax = 1500000,
	.navail = 10,
	.avail = { 600000, 700000, 800000, 900000, 1000000, 1100000, 1200000,
		   1300000, 1400000, 1500000 },
};

/* The caps over n ticks at one pace: their mean, each one bracketing. */
static double dither_mean(double pace, int n, long lo, long hi)
{
	double owed = 0, sum = 0;
	long khz;
	double rp;

	for (int i = 0; i < n; i++) {
		long cap;

		cpufreq_split(pace, &pi4_listed, &khz, &rp);
		assert_float_equal(rp, 1, 1e-9); /* the clock paces alone */
		cap = cpufreq_dither(pace, &pi4_listed, khz, &owed);
		assert_true(cap == lo || cap == hi);
		sum += cap;
	}
	return sum / n;
}

/*
 * Between listed clocks the cap alternates so that the clock averages
 * the pace: rounded down every tick a node ran up to 100 MHz under it.
 */
static void test_dither_averages_the_pace(void **state)
{
	(void)state;
	/* 1050 MHz: 1000 and 1100 in turn */
	assert_float_equal(dither_mean(0.7, 10, 1000000, 1100000), 1050000, 1);
	/* 930 MHz over 100 ticks: within 1 MHz */
	assert_float_equal(dither_mean(0.62, 100, 900000, 1000000), 930000,
			   1000);
	/* a listed clock: that one, every tick */
	assert_float_equal(dither_mean(0.6, 10, 900000, 900000), 900000, 1e-6);
}

/* Where nothing is to be averaged the cap is split's, the carry reset. */
static void test_dither_leaves_the_rest(void **state)
{
	double owed = 30000;

	(void)state;
	/* no list: any kHz is the ask itself */
	assert_int_equal(cpufreq_dither(0.7, &pi4, 1050000, &owed), 1050000);
	assert_float_equal(owed, 0, 1e-9);
	owed = 30000;
	assert_int_equal(cpufreq_dither(1, &pi4_listed, 1500000, &owed),
			 1500000);
	assert_float_equal(owed, 0, 1e-9);
	/* under the lowest clock the ranks take the rest */
	owed = 30000;
	assert_int_equal(cpufreq_dither(0.2, &pi4_listed, 600000, &owed),
			 600000);
	assert_float_equal(owed, 0, 1e-9);
	owed = 30000;
	assert_int_equal(cpufreq_dither(NAN, &pi4_listed, 600000, &owed),
			 600000);
	assert_float_equal(owed, 0, 1e-9);
	/* a carry from a far larger step stays within this one's */
	owed = 1e6;
	assert_int_equal(cpufreq_dither(0.7, &pi4_listed, 1000000, &owed),
			 1100000);
	assert_true(fabs(owed) <= 50000 + 1e-6);
}

static void put_policy(const char *root, const char *pol)
{
	char rel[128];

	snprintf(rel, sizeof(rel),
		 "devices/system/cpu/cpufreq/%s/cpuinfo_min_freq", pol);
	fixture_put(root, rel, "600000\n");
	snprintf(rel, sizeof(rel),
		 "devices/system/cpu/cpufreq/%s/cpuinfo_max_freq", pol);
	fixture_put(root, rel, "1500000\n");
	snprintf(rel, sizeof(rel),
		 "devices/system/cpu/cpufreq/%s/scaling_max_freq", pol);
	fixture_put(root, rel, "1500000\n");
}

/* A listed tree: the cap alternates in the file, tick by tick. */
static void test_apply_dithers_listed(void **state)
{
	char root[FIXTURE_PATH_MAX], buf[64], err[256];
	const char *f = "devices/system/cpu/cpufreq/policy0/scaling_max_freq";
	struct cpufreq *c;
	long sum = 0;

	(void)state;
	assert_int_equal(fixture_mkdtemp(root, sizeof(root), "cpufreq"), 0);
	put_policy(root, "policy0");
	fixture_put(root,
		    "devices/system/cpu/cpufreq/policy0/"
		    "scaling_available_frequencies",
		    "600000 700000 800000 900000 1000000 1100000 1200000 "
		    "1300000 1400000 1500000 \n");
	c = cpufreq_open(root, err, sizeof(err));
	assert_non_null(c);
	for (int i = 0; i < 4; i++) {
		assert_float_equal(cpufreq_apply(c, 0.7), 1, 1e-9);
		fixture_get(root, f, buf, sizeof(buf));
		assert_true(strcmp(buf, "1000000\n") == 0 ||
			    strcmp(buf, "1100000\n") == 0);
		sum += strtol(buf, NULL, 10);
	}
	assert_int_equal(sum, 4 * 1050000);
	cpufreq_close(c);
	assert_string_equal(fixture_get(root, f, buf, sizeof(buf)),
			    "1500000\n");
	assert_int_equal(fixture_rm(root), 0);
}

/* Writes on a change only, and a clean close gives the clock back. */
static void test_apply_and_close_restore(void **state)
{
	char root[FIXTURE_PATH_MAX], buf[64], err[256];
	const char *f = "devices/system/cpu/cpufreq/policy0/scaling_max_freq";
	struct cpufreq *c;
	double rp;

	(void)state;
	assert_int_equal(fixture_mkdtemp(root, sizeof(root), "cpufreq"), 0);
	put_policy(root, "policy0");
	c = cpufreq_open(root, err, sizeof(err));
	assert_non_null(c);
	rp = cpufreq_apply(c, 0.6);
	assert_float_equal(rp, 1, 1e-9);
	assert_string_equal(fixture_get(root, f, buf, sizeof(buf)), "900000\n");
	assert_float_equal(cpufreq_cap_mhz(c), 900, 1e-9);
	/* unchanged: no write (the file, edited behind its back, stays) */
	fixture_put(root, f, "123\n");
	cpufreq_apply(c, 0.6);
	assert_string_equal(fixture_get(root, f, buf, sizeof(buf)), "123\n");
	rp = cpufreq_apply(c, 0.1);
	assert_float_equal(rp, 0.25, 1e-9);
	assert_string_equal(fixture_get(root, f, buf, sizeof(buf)), "600000\n");
	cpufreq_close(c);
	assert_string_equal(fixture_get(root, f, buf, sizeof(buf)),
			    "1500000\n");
	assert_int_equal(fixture_rm(root), 0);
}

static void test_open_without_cpufreq_names_it(void **state)
{
	char root[FIXTURE_PATH_MAX], err[256];

	(void)state;
	assert_int_equal(fixture_mkdtemp(root, sizeof(root), "cpufreq"), 0);
	assert_null(cpufreq_open(root, err, sizeof(err)));
	assert_non_null(strstr(err, "no cpufreq policy"));
	/* a policy without scaling_max_freq: named */
	fixture_put(root, "devices/system/cpu/cpu0/cpufreq/cpuinfo_min_freq",
		    "600000\n");
	fixture_put(root, "devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq",
		    "1500000\n");
	assert_null(cpufreq_open(root, err, sizeof(err)));
	assert_non_null(strstr(err, "cpu0/cpufreq/scaling_max_freq"));
	assert_int_equal(fixture_rm(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_pace_is_full_clock),
		cmocka_unit_test(test_clock_takes_the_pace_first),
		cmocka_unit_test(test_ranks_get_the_rest),
		cmocka_unit_test(test_out_of_range_paces),
		cmocka_unit_test(test_available_frequencies_round_down),
		cmocka_unit_test(test_fixed_clock),
		cmocka_unit_test(test_dither_averages_the_pace),
		cmocka_unit_test(test_dither_leaves_the_rest),
		cmocka_unit_test(test_apply_dithers_listed),
		cmocka_unit_test(test_apply_and_close_restore),
		cmocka_unit_test(test_open_without_cpufreq_names_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
