/* test_simfw.c: unit tests of the simulated firmware throttling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "sim/simfw.h"

/* Cool: full clock, no bits. */
static void test_cool(void **state)
{
	struct simfw f;

	(void)state;
	simfw_init(&f, &simfw_pi4);
	for (int i = 0; i < 10; i++)
		simfw_update(&f, 70, 1);
	assert_int_equal(simfw_clock_mhz(&f), 1500);
	assert_true(simfw_speed(&f) == 1.0);
	assert_int_equal(simfw_throttled(&f), 0);
}

/* Above 80: 1500 -> 1000 -> 750 -> 600, one step a second, then stays. */
static void test_steps_down(void **state)
{
	static const int want[] = { 1000, 750, 600, 600, 600 };
	struct simfw f;

	(void)state;
	simfw_init(&f, &simfw_pi4);
	simfw_update(&f, 70, 1);
	for (int i = 0; i < 5; i++) {
		simfw_update(&f, 81, 1);
		assert_int_equal(simfw_clock_mhz(&f), want[i]);
		/* capped and soft limit now, and since boot; not throttled */
		assert_int_equal(simfw_throttled(&f), 0xa0000 | 0xa);
	}
	assert_true(simfw_speed(&f) == 0.4);
}

/* Sub-second updates step on the one-second period, not per call. */
static void test_step_period(void **state)
{
	struct simfw f;

	(void)state;
	simfw_init(&f, &simfw_pi4);
	simfw_update(&f, 82, 0.25); /* entering: at once */
	assert_int_equal(simfw_clock_mhz(&f), 1000);
	simfw_update(&f, 82, 0.25);
	simfw_update(&f, 82, 0.25);
	simfw_update(&f, 82, 0.25);
	assert_int_equal(simfw_clock_mhz(&f), 1000);
	simfw_update(&f, 82, 0.25);
	assert_int_equal(simfw_clock_mhz(&f), 750);
}

/* At 85 floored at once, with the throttled bit; bits stick since boot. */
static void test_floor_and_since_boot(void **state)
{
	struct simfw f;

	(void)state;
	simfw_init(&f, &simfw_pi4);
	simfw_update(&f, 86, 0.1);
	assert_int_equal(simfw_clock_mhz(&f), 600);
	assert_int_equal(simfw_throttled(&f), 0xe000e);
	/* between 78 and 80: hold the clock, limits no longer active */
	simfw_update(&f, 79, 1);
	simfw_update(&f, 79, 5);
	assert_int_equal(simfw_clock_mhz(&f), 600);
	assert_int_equal(simfw_throttled(&f), 0xe0002);
	/* below 78: back up step by step; since-boot bits remain */
	simfw_update(&f, 60, 1);
	assert_int_equal(simfw_clock_mhz(&f), 750);
	simfw_update(&f, 60, 1);
	simfw_update(&f, 60, 1);
	assert_int_equal(simfw_clock_mhz(&f), 1500);
	assert_int_equal(simfw_throttled(&f), 0xe0000);
	simfw_update(&f, 60, 10);
	assert_int_equal(simfw_clock_mhz(&f), 1500);
}

/* A long update below the hysteresis band recovers at most to full. */
static void test_long_update(void **state)
{
	struct simfw f;

	(void)state;
	simfw_init(&f, &simfw_pi5);
	simfw_update(&f, 90, 1);
	assert_int_equal(simfw_clock_mhz(&f), 1500);
	simfw_update(&f, 50, 1);
	simfw_update(&f, 50, 100);
	assert_int_equal(simfw_clock_mhz(&f), 2400);
}

/* The clocks a Pi's cpufreq driver lists: every 100 MHz, lowest to top. */
static void test_cpufreq_list(void **state)
{
	long khz[16];
	size_t n;

	(void)state;
	n = simfw_cpufreq_khz(&simfw_pi4, khz, 16);
	assert_int_equal(n, 10);
	assert_int_equal(khz[0], 600000);
	assert_int_equal(khz[4], 1000000);
	assert_int_equal(khz[9], 1500000);
	n = simfw_cpufreq_khz(&simfw_pi5, khz, 16);
	assert_int_equal(n, 10);
	assert_int_equal(khz[0], 1500000);
	assert_int_equal(khz[9], 2400000);
	/* no more than asked for */
	assert_int_equal(simfw_cpufreq_khz(&simfw_pi4, khz, 3), 3);
	assert_int_equal(khz[2], 800000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cool),
		cmocka_unit_test(test_steps_down),
		cmocka_unit_test(test_step_period),
		cmocka_unit_test(test_floor_and_since_boot),
		cmocka_unit_test(test_long_update),
		cmocka_unit_test(test_cpufreq_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
