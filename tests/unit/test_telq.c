/* test_telq.c: the bounded telemetry queue keeps order and drops oldest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "telq.h"

static char *payload(uint64_t seq)
{
	char *p = malloc(32);

	assert_non_null(p);
	snprintf(p, 32, "{\"seq\":%llu}", (unsigned long long)seq);
	return p;
}

static void test_fifo_order(void **state)
{
	struct telq q;

	(void)state;
	assert_int_equal(telq_init(&q, 4), 0);
	assert_null(telq_peek(&q));
	for (uint64_t s = 1; s <= 3; s++)
		assert_int_equal(telq_push(&q, s, payload(s)), 0);
	assert_int_equal(telq_len(&q), 3);
	for (uint64_t s = 1; s <= 3; s++) {
		const struct telq_item *it = telq_peek(&q);

		assert_non_null(it);
		assert_int_equal(it->seq, s);
		telq_pop(&q);
	}
	assert_null(telq_peek(&q));
	assert_int_equal(q.dropped, 0);
	telq_free(&q);
}

static void test_full_drops_oldest_and_counts(void **state)
{
	struct telq q;

	(void)state;
	assert_int_equal(telq_init(&q, 3), 0);
	for (uint64_t s = 1; s <= 3; s++)
		assert_int_equal(telq_push(&q, s, payload(s)), 0);
	assert_int_equal(telq_push(&q, 4, payload(4)), 1);
	assert_int_equal(telq_push(&q, 5, payload(5)), 1);
	assert_int_equal(q.dropped, 2);
	assert_int_equal(telq_len(&q), 3);
	/* the newest three survive, still in order */
	for (uint64_t s = 3; s <= 5; s++) {
		assert_int_equal(telq_peek(&q)->seq, s);
		assert_string_equal(telq_peek(&q)->payload,
				    s == 3   ? "{\"seq\":3}"
				    : s == 4 ? "{\"seq\":4}"
					     : "{\"seq\":5}");
		telq_pop(&q);
	}
	telq_free(&q);
}

static void test_wraparound_many(void **state)
{
	struct telq q;
	uint64_t last = 0, popped = 0;

	(void)state;
	assert_int_equal(telq_init(&q, 5), 0);
	/* interleave pushes and pops across many wraps of the ring */
	for (uint64_t s = 1; s <= 1000; s++) {
		telq_push(&q, s, payload(s));
		if (s % 3 == 0) {
			assert_true(telq_peek(&q)->seq > last);
			last = telq_peek(&q)->seq;
			telq_pop(&q);
			popped++;
		}
	}
	/* nothing vanished uncounted, the newest are kept */
	assert_int_equal(popped + q.dropped + telq_len(&q), 1000);
	assert_int_equal(telq_len(&q), 5);
	assert_int_equal(telq_peek(&q)->seq, 996);
	telq_free(&q); /* frees the queued payloads (valgrind checks) */
}

static void test_bad_capacity(void **state)
{
	struct telq q;

	(void)state;
	assert_int_equal(telq_init(&q, 0), -1);
	telq_pop(&q); /* harmless on an empty queue */
	telq_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fifo_order),
	    cmocka_unit_test(test_full_drops_oldest_and_counts),
	    cmocka_unit_test(test_wraparound_many),
	    cmocka_unit_test(test_bad_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
