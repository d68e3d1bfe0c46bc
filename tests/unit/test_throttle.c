/* test_throttle.c: decoding the Pi firmware's get_throttled word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/throttle.h"

/* The flags in bit order: 0..3 now, 16..19 since boot. */
static bool *throttle_flag(struct throttle *t, int i)
{
	bool *flags[] = {
		&t->under_voltage,	&t->freq_capped,
		&t->throttled,		&t->soft_temp_limit,
		&t->under_voltage_seen, &t->freq_capped_seen,
		&t->throttled_seen,	&t->soft_temp_limit_seen,
	};
	return flags[i];
}

static const int throttle_bits[] = { 0, 1, 2, 3, 16, 17, 18, 19 };

static void test_each_bit_alone(void **state)
{
	(void)state;
	for (int i = 0; i < 8; i++) {
		struct throttle t;

		throttle_decode(1u << throttle_bits[i], &t);
		assert_true(t.valid);
		assert_int_equal(t.raw, 1u << throttle_bits[i]);
		for (int j = 0; j < 8; j++)
			assert_int_equal(*throttle_flag(&t, j), i == j);
	}
}

static void test_zero_and_all(void **state)
{
	struct throttle t;
	(void)state;

	throttle_decode(0, &t);
	assert_true(t.valid);
	for (int j = 0; j < 8; j++)
		assert_false(*throttle_flag(&t, j));
	throttle_decode(0xffffffffu, &t);
	for (int j = 0; j < 8; j++)
		assert_true(*throttle_flag(&t, j));
}

/* Bits the firmware documents no meaning for change nothing. */
static void test_other_bits_ignored(void **state)
{
	struct throttle t;
	uint32_t known = 0xf000f;
	(void)state;

	throttle_decode(~known, &t);
	assert_int_equal(t.raw, ~known);
	for (int j = 0; j < 8; j++)
		assert_false(*throttle_flag(&t, j));
}

/* A real reading from an under-powered Pi 4: 0x50005. */
static void test_typical_word(void **state)
{
	struct throttle t;
	(void)state;

	throttle_decode(0x50005, &t);
	assert_true(t.under_voltage && t.throttled);
	assert_false(t.freq_capped || t.soft_temp_limit);
	assert_true(t.under_voltage_seen && t.throttled_seen);
	assert_false(t.freq_capped_seen || t.soft_temp_limit_seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_bit_alone),
		cmocka_unit_test(test_zero_and_all),
		cmocka_unit_test(test_other_bits_ignored),
		cmocka_unit_test(test_typical_word),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
