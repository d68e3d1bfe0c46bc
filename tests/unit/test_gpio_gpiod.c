/* test_gpio_gpiod.c: the gpiod backend (v1 or v2, by build) without GPIO
 * hardware: it links, and its errors name the chip and the cause. The
 * real-kernel test (gpio-sim in a VM) drives actual lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "agent/gpio.h"

static void test_name(void **state)
{
	(void)state;
	assert_string_equal(gpio_gpiod_ops.name, "gpiod");
	assert_string_equal(GPIO_CONSUMER, "pirackd");
}

static void test_no_such_chip(void **state)
{
	char err[256] = "";
	unsigned line = 14;
	(void)state;

	assert_null(gpio_gpiod_ops.request(NULL, "pirack-no-such-chip", &line,
					   1, false, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "pirack-no-such-chip"));
	assert_non_null(strstr(err, "chip not found"));
	assert_null(gpio_gpiod_ops.request(NULL, "/nonexistent/gpiochip0",
					   &line, 1, false, 1, err,
					   sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/gpiochip0"));
	assert_non_null(strstr(err, "No such file"));
}

/* A device that is not a GPIO chip is refused, not driven. */
static void test_not_a_chip(void **state)
{
	char err[256] = "";
	unsigned line = 0;
	(void)state;

	assert_null(gpio_gpiod_ops.request(NULL, "/dev/null", &line, 1, false,
					   0, err, sizeof(err)));
	assert_non_null(strstr(err, "/dev/null: not a GPIO chip"));
}

static void test_bad_args(void **state)
{
	(void)state;
	assert_int_equal(gpio_gpiod_ops.set(NULL, 0, 1), -1);
	gpio_gpiod_ops.release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_no_such_chip),
		cmocka_unit_test(test_not_a_chip),
		cmocka_unit_test(test_bad_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
