/* test_simplant.c: unit tests of the simulated thermal plant. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "sim/simplant.h"

/* Runs the plant long enough to settle (many board time constants). */
static double settle(struct simplant *s, double load, double fan)
{
	for (int i = 0; i < 3000; i++)
		simplant_step(s, load, fan, 1.0);
	return s->tj;
}

static const struct simplant_profile *profile(const char *name)
{
	const struct simplant_profile *p = simplant_profile_find(name);

	assert_non_null(p);
	return p;
}

/* The documented load rises: bare ~26 K, heatsink fan off 23.5, on 8.8. */
static void test_documented_rises(void **state)
{
	const struct simplant_profile *bare = profile("pi4-bare");
	const struct simplant_profile *hs = profile("pi4-heatsink-fan");
	struct simplant s;
	double idle, load;

	(void)state;
	simplant_init(&s, bare, 20, 0);
	idle = s.tj;
	assert_true(fabs(idle - (20 + bare->idle_off_c)) < 1e-9);
	load = settle(&s, 1, 0);
	assert_true(fabs(load - idle - 25.9) < 0.05);

	simplant_init(&s, hs, 20, 0);
	idle = s.tj;
	load = settle(&s, 1, 0);
	assert_true(fabs(load - idle - 23.45) < 0.05);

	simplant_init(&s, hs, 20, 1);
	idle = s.tj;
	load = settle(&s, 1, 1);
	assert_true(fabs(load - idle - 8.75) < 0.05);
	assert_true(fabs(idle - 25) < 1e-9);

	/* the closed form agrees with the integration */
	assert_true(fabs(simplant_steady_c(hs, 20, 1, 1) - load) < 0.05);
}

/* Half load gives half the rise (linear model). */
static void test_half_load(void **state)
{
	const struct simplant_profile *p = profile("pi4-bare");
	struct simplant s;
	double idle;

	(void)state;
	simplant_init(&s, p, 25, 0);
	idle = s.tj;
	assert_true(fabs(settle(&s, 0.5, 0) - idle - 25.9 / 2) < 0.05);
}

/* The fan lowers the temperature, both steady and while heating. */
static void test_fan_cools(void **state)
{
	struct simplant off, on;

	(void)state;
	for (const struct simplant_profile *p = simplant_profiles; p->name;
	     p++) {
		simplant_init(&off, p, 30, 0);
		simplant_init(&on, p, 30, 0);
		for (int i = 0; i < 120; i++) {
			simplant_step(&off, 1, 0, 1.0);
			simplant_step(&on, 1, 1, 1.0);
		}
		assert_true(on.tj < off.tj - 1);
		assert_true(settle(&on, 1, 1) < settle(&off, 1, 0) - 3);
	}
}

/* Heating takes time: the board lags the die, nothing jumps. */
static void test_heats_gradually(void **state)
{
	const struct simplant_profile *p = profile("pi4-bare");
	struct simplant s;
	double prev;

	(void)state;
	simplant_init(&s, p, 25, 0);
	prev = s.tj;
	simplant_step(&s, 1, 0, 10);
	assert_true(s.tj > prev + 3);  /* die quick (tau ~5 s) */
	assert_true(s.tj < prev + 20); /* board slow (tau ~100 s) */
	assert_true(s.tb < s.tj);
}

/* One step of 10 s equals a hundred of 0.1 s: what time_scale relies on. */
static void test_time_scale_equivalence(void **state)
{
	const struct simplant_profile *p = profile("pi4-heatsink-fan");
	struct simplant a, b;

	(void)state;
	simplant_init(&a, p, 35, 0);
	simplant_init(&b, p, 35, 0);
	for (int t = 0; t < 30; t++) {
		double load = (t % 3) ? 1 : 0.3, fan = (t > 15);

		simplant_step(&a, load, fan, 10);
		for (int i = 0; i < 100; i++)
			simplant_step(&b, load, fan, 0.1);
		assert_true(fabs(a.tj - b.tj) < 1e-3);
		assert_true(fabs(a.tb - b.tb) < 1e-3);
	}
}

/* Garbage inputs neither explode nor move the plant backwards in time. */
static void test_bad_inputs(void **state)
{
	const struct simplant_profile *p = profile("pi4-bare");
	struct simplant s;
	double t0;

	(void)state;
	simplant_init(&s, p, 25, 0);
	t0 = s.tj;
	simplant_step(&s, 1, 0, -5);
	simplant_step(&s, 1, 0, NAN);
	assert_true(s.tj == t0);
	simplant_step(&s, NAN, 7, 1); /* NaN load = idle */
	assert_true(fabs(s.tj - t0) < 1);
	simplant_step(&s, 50, -3, 1); /* clamped to full load */
	assert_true(isfinite(s.tj) && s.tj > t0);
}

static void test_profile_names(void **state)
{
	char buf[256];

	(void)state;
	simplant_profile_names(buf, sizeof(buf));
	assert_non_null(strstr(buf, "pi4-bare, pi4-heatsink-fan"));
	assert_non_null(strstr(buf, "pi5-"));
	assert_null(simplant_profile_find("pi3"));
	simplant_profile_names(buf, 5); /* truncates, terminated */
	assert_true(strlen(buf) < 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documented_rises),
		cmocka_unit_test(test_half_load),
		cmocka_unit_test(test_fan_cools),
		cmocka_unit_test(test_heats_gradually),
		cmocka_unit_test(test_time_scale_equivalence),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_profile_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
