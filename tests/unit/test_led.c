/* test_led.c: LED state choice by priority, and the blink patterns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "agent/led.h"

#define R 1u
#define G 2u
#define B 4u

static void test_priority(void **state)
{
	(void)state;
	/* every combination of the five inputs */
	for (unsigned m = 0; m < 32; m++) {
		struct led_inputs in = {
			.fault = m & 1,
			.hot = m & 2,
			.warm = m & 4,
			.identify = m & 8,
			.broker_down = m & 16,
		};
		enum led_state want = in.identify      ? LED_IDENTIFY
				      : in.fault       ? LED_FAULT
				      : in.hot	       ? LED_HOT
				      : in.warm	       ? LED_WARM
				      : in.broker_down ? LED_NO_BROKER
						       : LED_OK;
		assert_int_equal(led_decide(&in), want);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(led_state_name(LED_OK), "ok");
	assert_string_equal(led_state_name(LED_NO_BROKER), "no_broker");
	assert_string_equal(led_state_name(LED_WARM), "warm");
	assert_string_equal(led_state_name(LED_HOT), "hot");
	assert_string_equal(led_state_name(LED_FAULT), "fault");
	assert_string_equal(led_state_name(LED_IDENTIFY), "identify");
	assert_string_equal(led_state_name((enum led_state)7), "unknown");
}

static void test_rgb_steady(void **state)
{
	uint64_t next;
	(void)state;

	assert_int_equal(led_pattern(LED_OK, 3, 12345, &next), G);
	assert_true(next == UINT64_MAX);
	assert_int_equal(led_pattern(LED_WARM, 3, 12345, &next), R | G);
	assert_true(next == UINT64_MAX);
	assert_int_equal(led_pattern(LED_HOT, 3, 12345, &next), R);
	assert_true(next == UINT64_MAX);
}

/* Samples a pattern over 2 s: returns the set of values and the toggles. */
static void scan(enum led_state st, size_t n, unsigned *values, int *toggles,
		 uint64_t *half)
{
	uint64_t next, t = 10000, prev_change = 0;
	unsigned v, last;

	*values = 0;
	*toggles = 0;
	*half = 0;
	last = led_pattern(st, n, t, &next);
	*values |= 1u << last;
	while (t < 12000) {
		/* follow next_ms like the loop's timer does */
		assert_true(next > t);
		t = next;
		v = led_pattern(st, n, t, &next);
		*values |= 1u << v;
		if (v != last) {
			(*toggles)++;
			if (prev_change)
				*half = t - prev_change;
			prev_change = t;
		}
		last = v;
	}
}

static void test_rgb_blinks(void **state)
{
	unsigned values;
	int toggles;
	uint64_t half;
	(void)state;

	scan(LED_FAULT, 3, &values, &toggles, &half);
	assert_int_equal(values, (1u << R) | (1u << 0)); /* red, off */
	assert_int_equal(half, 125);			 /* fast */
	scan(LED_IDENTIFY, 3, &values, &toggles, &half);
	assert_int_equal(values, (1u << B) | (1u << 0)); /* blue, off */
	assert_int_equal(half, 500);			 /* slow */
	scan(LED_NO_BROKER, 3, &values, &toggles, &half);
	assert_int_equal(values, (1u << G) | (1u << 0));
	assert_int_equal(half, 500);
}

static void test_single_led(void **state)
{
	unsigned values;
	int toggles;
	uint64_t half, next;
	(void)state;

	/* steady on: nothing needs anyone */
	assert_int_equal(led_pattern(LED_OK, 1, 777, &next), 1);
	assert_true(next == UINT64_MAX);
	assert_int_equal(led_pattern(LED_WARM, 1, 777, &next), 1);
	assert_int_equal(led_pattern(LED_NO_BROKER, 1, 777, &next), 1);
	/* fast blink: needs someone now */
	scan(LED_FAULT, 1, &values, &toggles, &half);
	assert_int_equal(values, 3u); /* 0 and 1 */
	assert_int_equal(half, 125);
	scan(LED_HOT, 1, &values, &toggles, &half);
	assert_int_equal(half, 125);
	/* slow blink: identify */
	scan(LED_IDENTIFY, 1, &values, &toggles, &half);
	assert_int_equal(values, 3u);
	assert_int_equal(half, 500);
	assert_int_equal(toggles, 4); /* 2 s at 1 Hz */
}

/* next_ms is exactly the next change: no early or late wake-ups. */
static void test_next_is_exact(void **state)
{
	uint64_t next, n2;
	(void)state;

	unsigned v = led_pattern(LED_IDENTIFY, 3, 1000, &next);
	assert_int_equal(v, B);
	assert_true(next == 1500);
	assert_int_equal(led_pattern(LED_IDENTIFY, 3, 1499, &n2), B);
	assert_true(n2 == 1500);
	assert_int_equal(led_pattern(LED_IDENTIFY, 3, 1500, &n2), 0);
	assert_true(n2 == 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_rgb_steady),
		cmocka_unit_test(test_rgb_blinks),
		cmocka_unit_test(test_single_led),
		cmocka_unit_test(test_next_is_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
