/* test_rack_run.c: pirack run's duty cycle (rack/run.c run_duty). */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_clamped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
