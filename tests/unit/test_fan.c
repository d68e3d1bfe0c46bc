/* test_fan.c: the fan policy: hysteresis, pwm curve, modes, safety. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include "agent/fan.h"

/* Only the keys the policy reads, at their documented defaults. */
static struct config cfg(enum fan_driver d)
{
	struct config c;

	memset(&c, 0, sizeof(c));
	c.thermal.target_c = 70;
	c.thermal.limit_c = 80;
	c.fan.driver = d;
	c.fan.on_c = 60;
	c.fan.off_c = 50;
	return c;
}

static struct sample at(double t)
{
	struct sample s;

	memset(&s, 0, sizeof(s));
	s.temp_c = t;
	return s;
}

/* The duty after deciding at temperature t, from state st. */
static int step(const struct config *c, struct fan_state *st, double t)
{
	struct sample s = at(t);

	fan_decide(c, &s, st);
	return st->duty;
}

static void test_gpio_hysteresis(void **state)
{
	struct config c = cfg(FAN_DRIVER_GPIO);
	struct fan_state st = { .duty = 0 };
	(void)state;

	assert_int_equal(step(&c, &st, 40), 0);
	assert_int_equal(step(&c, &st, 59.9), 0);
	assert_int_equal(step(&c, &st, 60), 100); /* on at on_c */
	assert_int_equal(step(&c, &st, 55), 100); /* held */
	assert_int_equal(step(&c, &st, 50.1), 100);
	assert_int_equal(step(&c, &st, 50), 0); /* off at off_c */
	assert_int_equal(step(&c, &st, 55), 0); /* held off */
	assert_int_equal(step(&c, &st, 85), 100);
	assert_int_equal(st.mode, FAN_MODE_AUTO);
	assert_false(st.overridden);
}

static void test_fail_safe(void **state)
{
	struct config c = cfg(FAN_DRIVER_GPIO);
	struct fan_state st = { .duty = 0 };
	struct sample s = at(30);
	(void)state;

	/* no reading yet */
	fan_decide(&c, NULL, &st);
	assert_int_equal(st.duty, 100);
	/* first valid cool reading: off */
	assert_int_equal(step(&c, &st, 30), 0);
	/* a fault: on at once, whatever the stale temperature says */
	s.fault = true;
	fan_decide(&c, &s, &st);
	assert_int_equal(st.duty, 100);
	/* no temperature at all */
	s.fault = false;
	s.temp_c = NAN;
	fan_decide(&c, &s, &st);
	assert_int_equal(st.duty, 100);
	/* pwm too */
	c = cfg(FAN_DRIVER_PWM);
	st.duty = 0;
	fan_decide(&c, NULL, &st);
	assert_int_equal(st.duty, 100);
}

static void test_manual_modes(void **state)
{
	struct config c = cfg(FAN_DRIVER_GPIO);
	struct fan_state st = { .duty = 0 };
	char err[128];
	(void)state;

	assert_int_equal(fan_command(&c, "on", &st, err, sizeof(err)), 0);
	assert_int_equal(st.mode, FAN_MODE_MANUAL);
	assert_int_equal(step(&c, &st, 30), 100);
	assert_int_equal(fan_command(&c, "OFF", &st, err, sizeof(err)), 0);
	assert_int_equal(step(&c, &st, 65), 0); /* above on_c: still off */
	assert_int_equal(step(&c, &st, 79.9), 0);
	assert_int_equal(st.mode, FAN_MODE_MANUAL);
	assert_int_equal(fan_command(&c, " Auto\n", &st, err, sizeof(err)), 0);
	assert_int_equal(st.mode, FAN_MODE_AUTO);
	assert_int_equal(step(&c, &st, 65), 100);
}

static void test_safety_ends_manual_off(void **state)
{
	struct config c = cfg(FAN_DRIVER_GPIO);
	struct fan_state st = { .duty = 0 };
	char err[128];
	(void)state;

	fan_command(&c, "off", &st, err, sizeof(err));
	assert_int_equal(step(&c, &st, 70), 0);
	assert_int_equal(step(&c, &st, 80), 100); /* limit_c reached */
	assert_int_equal(st.mode, FAN_MODE_AUTO);
	assert_true(st.overridden);
	/* and it stays ended: cooling does not bring the OFF back */
	assert_int_equal(step(&c, &st, 55), 100);
	assert_int_equal(step(&c, &st, 45), 0);
	assert_int_equal(st.mode, FAN_MODE_AUTO);
	/* OFF given while already too hot is undone at the next decision */
	fan_command(&c, "off", &st, err, sizeof(err));
	assert_false(st.overridden);
	assert_int_equal(step(&c, &st, 90), 100);
	assert_true(st.overridden);
	/* a fault ends a manual OFF too */
	fan_command(&c, "off", &st, err, sizeof(err));
	assert_int_equal(step(&c, &st, 40), 0);
	fan_decide(&c, NULL, &st);
	assert_int_equal(st.duty, 100);
	assert_int_equal(st.mode, FAN_MODE_AUTO);
	/* manual ON is never overridden */
	fan_command(&c, "on", &st, err, sizeof(err));
	assert_int_equal(step(&c, &st, 95), 100);
	assert_int_equal(st.mode, FAN_MODE_MANUAL);
}

static void test_pwm_curve(void **state)
{
	struct config c = cfg(FAN_DRIVER_PWM);
	struct fan_state st = { .duty = 0 };
	(void)state;

	assert_int_equal(step(&c, &st, 40), 0);
	assert_int_equal(step(&c, &st, 50), 0);
	/* below the spin-up minimum a stopped fan stays stopped */
	assert_int_equal(step(&c, &st, 52), 0);
	assert_int_equal(step(&c, &st, 57), 0);	   /* 23 %: still 0 */
	assert_int_equal(step(&c, &st, 57.5), 25); /* 25 %: starts */
	assert_int_equal(step(&c, &st, 65), 50);   /* linear */
	assert_int_equal(step(&c, &st, 74), 80);
	assert_int_equal(step(&c, &st, 80), 100); /* limit_c */
	assert_int_equal(step(&c, &st, 95), 100);
	/* turning: never below the minimum until off_c */
	assert_int_equal(step(&c, &st, 53), 25);
	assert_int_equal(step(&c, &st, 50.1), 25);
	assert_int_equal(step(&c, &st, 50), 0);
}

static void test_pwm_manual(void **state)
{
	struct config c = cfg(FAN_DRIVER_PWM);
	struct fan_state st = { .duty = 0 };
	char err[128];
	(void)state;

	assert_int_equal(fan_command(&c, "40", &st, err, sizeof(err)), 0);
	assert_int_equal(step(&c, &st, 30), 40);
	assert_int_equal(step(&c, &st, 79), 40);
	assert_int_equal(step(&c, &st, 80), 100); /* safety */
	assert_true(st.overridden);
	assert_int_equal(fan_command(&c, "100", &st, err, sizeof(err)), 0);
	assert_int_equal(step(&c, &st, 30), 100);
	assert_int_equal(fan_command(&c, "0", &st, err, sizeof(err)), 0);
	assert_int_equal(step(&c, &st, 30), 0);
}

static void test_commands_junk(void **state)
{
	static const char *junk[] = {
		"",   "  ", "onn",  "of",  "101",     "-1",
		"+5", "5%", "0x10", "1e2", "auto on", "a very long word indeed"
	};
	struct config c = cfg(FAN_DRIVER_PWM);
	struct fan_state st = { .mode = FAN_MODE_AUTO, .duty = 33 };
	char err[128];
	(void)state;

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		err[0] = '\0';
		assert_int_equal(
		    fan_command(&c, junk[i], &st, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "fan"));
		/* nothing changed */
		assert_int_equal(st.mode, FAN_MODE_AUTO);
		assert_int_equal(st.duty, 33);
	}
	assert_int_equal(fan_command(&c, NULL, &st, err, sizeof(err)), -1);
	/* a number means nothing to an on/off fan */
	c = cfg(FAN_DRIVER_GPIO);
	assert_int_equal(fan_command(&c, "50", &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "only on or off"));
	/* nor anything to a fan pirackd does not drive */
	c = cfg(FAN_DRIVER_KERNEL);
	assert_int_equal(fan_command(&c, "on", &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "kernel"));
	c = cfg(FAN_DRIVER_NONE);
	assert_int_equal(fan_command(&c, "on", &st, err, sizeof(err)), -1);
	assert_int_equal(st.mode, FAN_MODE_AUTO);
}

static void test_undriven(void **state)
{
	struct config c = cfg(FAN_DRIVER_NONE);
	struct fan_state st = { .duty = 0 };
	(void)state;

	assert_int_equal(step(&c, &st, 90), 0);
	fan_decide(&c, NULL, &st);
	assert_int_equal(st.duty, 0);
	c = cfg(FAN_DRIVER_KERNEL);
	assert_int_equal(step(&c, &st, 90), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpio_hysteresis),
		cmocka_unit_test(test_fail_safe),
		cmocka_unit_test(test_manual_modes),
		cmocka_unit_test(test_safety_ends_manual_off),
		cmocka_unit_test(test_pwm_curve),
		cmocka_unit_test(test_pwm_manual),
		cmocka_unit_test(test_commands_junk),
		cmocka_unit_test(test_undriven),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
