/* test_simpower.c: dynamic power from clock and voltage (P = C f V^2). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "sim/simpower.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

/* Linear between the points, the end values outside them. */
static void test_volts(void **state)
{
	(void)state;
	NEAR(simpower_volts(&simpower_bcm2711, 1500), 0.90);
	NEAR(simpower_volts(&simpower_bcm2711, 1250), 0.87);
	NEAR(simpower_volts(&simpower_bcm2711, 100), 0.80);
	NEAR(simpower_volts(&simpower_bcm2711, 3000), 0.95);
	NEAR(simpower_volts(&simpower_bcm2712, 2400), 0.90);
	NEAR(simpower_volts(&simpower_bcm2712, 1750), 0.76);
	/* lowest clock first, voltage rising with it */
	for (const struct simpower_vf *vf = &simpower_bcm2711; vf;
	     vf = vf == &simpower_bcm2711 ? &simpower_bcm2712 : NULL)
		for (int i = 1; i < vf->n; i++) {
			assert_true(vf->mhz[i] > vf->mhz[i - 1]);
			assert_true(vf->volts[i] > vf->volts[i - 1]);
		}
}

/*
 * Full clock is the calibration; a lower clock lowers f and V both, so
 * the same work (busy time x clock) costs less energy: DVFS beats sleeping.
 */
static void test_dynamic(void **state)
{
	double p1500, p1000, p600;

	(void)state;
	NEAR(simpower_dynamic_w(&simpower_bcm2711, 3.5, 1, 1500, 1500), 3.5);
	NEAR(simpower_dynamic_w(&simpower_bcm2711, 3.5, 0.5, 1500, 1500), 1.75);
	p1500 = simpower_dynamic_w(&simpower_bcm2711, 3.5, 1, 1500, 1500);
	p1000 = simpower_dynamic_w(&simpower_bcm2711, 3.5, 1, 1000, 1500);
	p600 = simpower_dynamic_w(&simpower_bcm2711, 3.5, 1, 600, 1500);
	NEAR(p1000, 3.5 * 1000 / 1500 * (0.84 * 0.84) / (0.90 * 0.90));
	assert_true(p600 < p1000 && p1000 < p1500);
	/* energy per unit of work: P / f falls with the clock */
	assert_true(p1000 / 1000 < p1500 / 1500);
	assert_true(p600 / 600 < p1000 / 1000);
	/* nothing busy, no clock: no dynamic power; load clamped to 1 */
	NEAR(simpower_dynamic_w(&simpower_bcm2711, 3.5, 0, 1500, 1500), 0);
	NEAR(simpower_dynamic_w(&simpower_bcm2711, 3.5, NAN, 1500, 1500), 0);
	NEAR(simpower_dynamic_w(&simpower_bcm2711, 3.5, 1, 0, 1500), 0);
	NEAR(simpower_dynamic_w(&simpower_bcm2711, 3.5, 2, 1500, 1500), 3.5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volts),
		cmocka_unit_test(test_dynamic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
