/* test_rack_run.c: pirack run's duty cycle (run_duty, run_hold, run_busy,
 * run_rehold). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "rack/run.h"

static void duty(double pace, double min, int period, int want_run)
{
	int run, stop;

	run_duty(pace, min, period, &run, &stop);
	assert_int_equal(run, want_run);
	assert_int_equal(run + stop, period);
}

static void test_split(void **state)
{
	(void)state;
	duty(1, 0.05, 100, 100);
	duty(0.5, 0.05, 100, 50);
	duty(0.25, 0.05, 200, 50);
	duty(0.333, 0.05, 100, 33);
}

static void test_clamped(void **state)
{
	(void)state;
	duty(0, 0.05, 100, 5); /* the floor: a node at its limit */
	duty(-1, 0.2, 100, 20);
	duty(NAN, 0.1, 100, 10); /* garbage is the floor, not 0 */
	duty(7, 0.05, 100, 100);
}

/* The stop phase follows what the child really ran, not the plan. */
static void test_hold(void **state)
{
	(void)state;
	assert_int_equal(run_hold_ms(50, 0.5, 0.05, 100), 50);
	/* a stop that took effect late: a longer hold, the same pace */
	assert_int_equal(run_hold_ms(45, 0.05, 0.05, 100), 855);
	assert_int_equal(run_hold_ms(30, 0.25, 0.05, 100), 90);
	assert_int_equal(run_hold_ms(10, 1, 0.05, 100), 0);
	assert_int_equal(run_hold_ms(10, 3, 0.05, 100), 0);
	assert_int_equal(run_hold_ms(0, 0.5, 0.05, 100), 0);
	/* below the floor, or garbage: the floor */
	assert_int_equal(run_hold_ms(5, 0, 0.05, 100), 95);
	assert_int_equal(run_hold_ms(5, NAN, 0.05, 100), 95);
	/* bounded: the pace is asked again at least this often */
	assert_int_equal(run_hold_ms(500, 0.05, 0.05, 100), 2000);
	assert_int_equal(run_hold_ms(NAN, 0.5, 0.05, 100), 0);
}

/* A hold left when the pace changes while held: scaled, 0 at pace 1. */
static void test_rehold(void **state)
{
	(void)state;
	/* 0.2 -> 0.5: (1 - p) / p from 4 to 1, a quarter of it left */
	assert_true(fabs(run_rehold_ms(800, 0.2, 0.5, 0.05) - 200) < 1e-9);
	/* hotter: longer */
	assert_true(fabs(run_rehold_ms(100, 0.5, 0.2, 0.05) - 400) < 1e-9);
	/* cool again: run now */
	assert_true(run_rehold_ms(800, 0.2, 1, 0.05) == 0);
	/* below the floor, or garbage: the floor's */
	assert_true(fabs(run_rehold_ms(19, 0, 0.5, 0.05) - 1) < 1e-9);
	assert_true(fabs(run_rehold_ms(1, 0.5, NAN, 0.05) - 19) < 1e-9);
	/* nothing left, or nothing was owed */
	assert_true(run_rehold_ms(0, 0.2, 0.1, 0.05) == 0);
	assert_true(run_rehold_ms(-5, 0.2, 0.1, 0.05) == 0);
	assert_true(run_rehold_ms(100, 1, 0.5, 0.05) == 0);
}

/* What counts as busy: the computing leader's time, else all of it. */
static void test_busy(void **state)
{
	(void)state;
	/* a computing leader, stopped 30 ms late, seen 20 ms later */
	assert_true(run_busy_ms(100, 50, 80) == 80);
	/* an idle leader (sh -c): the whole time */
	assert_true(run_busy_ms(100, 50, 1) == 100);
	/* no schedstat, or a counter beyond the wall time: the whole time */
	assert_true(run_busy_ms(100, 50, -1) == 100);
	assert_true(run_busy_ms(100, 50, 130) == 100);
	/* half the run phase is enough to count as computing */
	assert_true(run_busy_ms(100, 50, 25) == 25);
	assert_true(run_busy_ms(100, 50, 24.9) == 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),  cmocka_unit_test(test_clamped),
		cmocka_unit_test(test_hold),   cmocka_unit_test(test_busy),
		cmocka_unit_test(test_rehold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
