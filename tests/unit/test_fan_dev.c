/* test_fan_dev.c: the fan devices on a fake sysfs tree and sim GPIO. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "agent/fan.h"
#include "fixture.h"

struct fx {
	char root[FIXTURE_PATH_MAX];
	struct config c;
};

static void put(struct fx *f, const char *rel, const char *text)
{
	fixture_put(f->root, rel, text);
}

static const char *get(struct fx *f, const char *rel)
{
	static char buf[64];

	return fixture_get(f->root, rel, buf, sizeof(buf));
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || fixture_mkdtemp(f->root, sizeof(f->root), "fandev") < 0) {
		free(f);
		return -1;
	}
	f->c.thermal.target_c = 70;
	f->c.thermal.limit_c = 80;
	snprintf(f->c.thermal.sysfs_root, sizeof(f->c.thermal.sysfs_root),
		 "%s/sys", f->root);
	snprintf(f->c.fan.chip, sizeof(f->c.fan.chip), "gpiochip0");
	f->c.fan.line = 14;
	f->c.fan.on_c = 60;
	f->c.fan.off_c = 50;
	snprintf(f->c.fan.pwm, sizeof(f->c.fan.pwm), "pwmchip0/pwm0");
	f->c.gpio.backend = GPIO_BACKEND_FILE;
	snprintf(f->c.gpio.sim_dir, sizeof(f->c.gpio.sim_dir), "%s/gpio",
		 f->root);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	fixture_rm(f->root);
	free(f);
	return 0;
}

#define PWM0 "sys/class/pwm/pwmchip0/pwm0/"

static void pwm_tree(struct fx *f)
{
	put(f, "sys/class/pwm/pwmchip0/export", "");
	put(f, PWM0 "period", "0\n");
	put(f, PWM0 "duty_cycle", "0\n");
	put(f, PWM0 "enable", "0\n");
}

static void test_pwm(void **state)
{
	struct fx *f = *state;
	char err[256];

	pwm_tree(f);
	f->c.fan.driver = FAN_DRIVER_PWM;
	struct fan_dev *d = fan_open(&f->c, &gpio_file_ops, err, sizeof(err));
	assert_non_null(d);
	assert_string_equal(get(f, PWM0 "period"), "40000\n");
	assert_string_equal(get(f, PWM0 "enable"), "1\n");
	/* full on until the first reading */
	assert_string_equal(get(f, PWM0 "duty_cycle"), "40000\n");
	/* the exported channel was there: export untouched */
	assert_string_equal(get(f, "sys/class/pwm/pwmchip0/export"), "");
	assert_int_equal(fan_apply(d, 50), 0);
	assert_string_equal(get(f, PWM0 "duty_cycle"), "20000\n");
	assert_int_equal(fan_apply(d, 25), 0);
	assert_string_equal(get(f, PWM0 "duty_cycle"), "10000\n");
	assert_int_equal(fan_apply(d, 0), 0);
	assert_string_equal(get(f, PWM0 "duty_cycle"), "0\n");
	assert_int_equal(fan_apply(d, 250), 0); /* clamped */
	assert_string_equal(get(f, PWM0 "duty_cycle"), "40000\n");
	assert_int_equal(fan_read_kernel(d), -1);
	fan_close(d);
	/* closing leaves the fan running */
	assert_string_equal(get(f, PWM0 "enable"), "1\n");
	assert_string_equal(get(f, PWM0 "duty_cycle"), "40000\n");
}

/* The decision follows the policy's curve down to the file. */
static void test_pwm_policy_to_file(void **state)
{
	struct fx *f = *state;
	struct fan_state st = { .duty = 0 };
	struct sample s;
	char err[256];

	pwm_tree(f);
	f->c.fan.driver = FAN_DRIVER_PWM;
	struct fan_dev *d = fan_open(&f->c, &gpio_file_ops, err, sizeof(err));
	assert_non_null(d);
	memset(&s, 0, sizeof(s));
	s.temp_c = 65;
	fan_decide(&f->c, &s, &st);
	assert_int_equal(fan_apply(d, st.duty), 0);
	assert_string_equal(get(f, PWM0 "duty_cycle"), "20000\n");
	fan_close(d);
}

static void test_pwm_unchanged_is_not_rewritten(void **state)
{
	struct fx *f = *state;
	char err[256];

	pwm_tree(f);
	f->c.fan.driver = FAN_DRIVER_PWM;
	struct fan_dev *d = fan_open(&f->c, &gpio_file_ops, err, sizeof(err));
	assert_int_equal(fan_apply(d, 60), 0);
	put(f, PWM0 "duty_cycle", "marker\n");
	assert_int_equal(fan_apply(d, 60), 0);
	assert_string_equal(get(f, PWM0 "duty_cycle"), "marker\n");
	assert_int_equal(fan_apply(d, 61), 0);
	assert_string_equal(get(f, PWM0 "duty_cycle"), "24400\n");
	fan_close(d);
}

static void test_pwm_export(void **state)
{
	struct fx *f = *state;
	char err[256];

	put(f, "sys/class/pwm/pwmchip0/export", "");
	f->c.fan.driver = FAN_DRIVER_PWM;
	snprintf(f->c.fan.pwm, sizeof(f->c.fan.pwm), "pwmchip0/pwm1");
	/* a fake tree has no kernel to create pwm1: the export is seen */
	assert_null(fan_open(&f->c, &gpio_file_ops, err, sizeof(err)));
	assert_string_equal(get(f, "sys/class/pwm/pwmchip0/export"), "1\n");
	assert_non_null(strstr(err, "pwm1: missing after export"));
}

static void test_pwm_errors(void **state)
{
	static const char *bad[] = { "pwm0", "pwmchip0/", "/pwm0",
				     "pwmchip0/fan", "pwmchip0/pwm0x" };
	struct fx *f = *state;
	char err[256];

	f->c.fan.driver = FAN_DRIVER_PWM;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(f->c.fan.pwm, sizeof(f->c.fan.pwm), "%s", bad[i]);
		assert_null(fan_open(&f->c, &gpio_file_ops, err, sizeof(err)));
		assert_non_null(strstr(err, "want pwmchipN/pwmM"));
	}
	/* no such chip */
	snprintf(f->c.fan.pwm, sizeof(f->c.fan.pwm), "pwmchip3/pwm0");
	assert_null(fan_open(&f->c, &gpio_file_ops, err, sizeof(err)));
	assert_non_null(strstr(err, "pwmchip3/export"));
	assert_non_null(strstr(err, "No such file"));
	/*
	 * duty_cycle is held open from the start: its name vanishing does
	 * not stop the fan being driven (nor does running out of fds).
	 */
	pwm_tree(f);
	snprintf(f->c.fan.pwm, sizeof(f->c.fan.pwm), "pwmchip0/pwm0");
	struct fan_dev *d = fan_open(&f->c, &gpio_file_ops, err, sizeof(err));
	assert_non_null(d);
	char path[256];
	snprintf(path, sizeof(path), "%s/" PWM0 "duty_cycle", f->root);
	unlink(path);
	assert_int_equal(fan_apply(d, 30), 0);
	fan_close(d);
	/* a write the device refuses is an error naming the attribute */
	assert_int_equal(symlink("/dev/full", path), 0);
	assert_null(fan_open(&f->c, &gpio_file_ops, err, sizeof(err)));
	assert_non_null(strstr(err, "duty_cycle"));
	assert_non_null(strstr(err, "No space left"));
}

static void test_gpio_file_fan(void **state)
{
	struct fx *f = *state;
	char err[256];

	f->c.fan.driver = FAN_DRIVER_GPIO;
	struct fan_dev *d = fan_open(&f->c, &gpio_file_ops, err, sizeof(err));
	assert_non_null(d);
	/* requested ON: fail-safe until the first reading */
	assert_string_equal(get(f, "gpio/gpiochip0/14"), "1\n");
	assert_int_equal(fan_apply(d, 0), 0);
	assert_string_equal(get(f, "gpio/gpiochip0/14"), "0\n");
	assert_int_equal(fan_apply(d, 30), 0); /* any duty is on */
	assert_string_equal(get(f, "gpio/gpiochip0/14"), "1\n");
	fan_close(d);
	assert_string_equal(get(f, "gpio/gpiochip0/14"), "1\n");

	f->c.fan.active_low = true;
	d = fan_open(&f->c, &gpio_file_ops, err, sizeof(err));
	assert_non_null(d);
	assert_string_equal(get(f, "gpio/gpiochip0/14"), "0\n");
	assert_int_equal(fan_apply(d, 0), 0);
	assert_string_equal(get(f, "gpio/gpiochip0/14"), "1\n");
	fan_close(d);
}

static void test_kernel_fan(void **state)
{
	struct fx *f = *state;
	char err[256];

	f->c.fan.driver = FAN_DRIVER_KERNEL;
	put(f, "sys/class/thermal/cooling_device0/type", "Processor\n");
	put(f, "sys/class/thermal/cooling_device0/max_state", "3\n");
	assert_null(fan_open(&f->c, &gpio_file_ops, err, sizeof(err)));
	assert_non_null(strstr(err, "no fan cooling device"));

	put(f, "sys/class/thermal/cooling_device1/type", "pwm-fan\n");
	put(f, "sys/class/thermal/cooling_device1/max_state", "4\n");
	put(f, "sys/class/thermal/cooling_device1/cur_state", "2\n");
	struct fan_dev *d = fan_open(&f->c, &gpio_file_ops, err, sizeof(err));
	assert_non_null(d);
	assert_int_equal(fan_read_kernel(d), 50);
	put(f, "sys/class/thermal/cooling_device1/cur_state", "4\n");
	assert_int_equal(fan_read_kernel(d), 100);
	put(f, "sys/class/thermal/cooling_device1/cur_state", "0\n");
	assert_int_equal(fan_read_kernel(d), 0);
	put(f, "sys/class/thermal/cooling_device1/cur_state", "x\n");
	assert_int_equal(fan_read_kernel(d), -1);
	/* the kernel drives it, not us */
	assert_int_equal(fan_apply(d, 100), 0);
	assert_string_equal(get(f, "sys/class/thermal/cooling_device1/"
				   "cur_state"),
			    "x\n");
	fan_close(d);
}

static void test_none(void **state)
{
	struct fx *f = *state;
	char err[256];

	f->c.fan.driver = FAN_DRIVER_NONE;
	struct fan_dev *d = fan_open(&f->c, &gpio_file_ops, err, sizeof(err));
	assert_non_null(d);
	assert_int_equal(fan_apply(d, 100), 0);
	assert_int_equal(fan_read_kernel(d), -1);
	fan_close(d);
	fan_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_pwm),
		T(test_pwm_policy_to_file),
		T(test_pwm_unchanged_is_not_rewritten),
		T(test_pwm_export),
		T(test_pwm_errors),
		T(test_gpio_file_fan),
		T(test_kernel_fan),
		T(test_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
