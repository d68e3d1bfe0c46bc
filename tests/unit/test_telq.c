/* test_telq.c: the telemetry queue keeps order, bounds items and bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "agent/telq.h"

static char *payload(uint64_t seq)
{
	char *p = malloc(32);

	assert_non_null(p);
	snprintf(p, 32, "{\"seq\":%llu}", (unsigned long long)seq);
	return p;
}

/* n bytes of filler, owned by the caller (or the queue). */
static char *filler(size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	memset(p, 'x', n);
	p[n] = '\0';
	return p;
}

static void test_fifo_order(void **state)
{
	struct telq q;

	(void)state;
	assert_int_equal(telq_init(&q, 4, 1024), 0);
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
	assert_int_equal(telq_init(&q, 3, 1024), 0);
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
	assert_int_equal(telq_init(&q, 5, 1024), 0);
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
	assert_int_equal(telq_init(&q, 0, 1024), -1);
	telq_pop(&q); /* harmless on an empty queue */
	telq_free(&q);
	assert_int_equal(telq_init(&q, 4, 0), -1);
	telq_free(&q);
}

/* A payload of exactly 9 bytes: {"seq":N} for a one-digit N. */
static void test_byte_bound_drops_oldest_and_counts(void **state)
{
	struct telq q;

	(void)state;
	/* room for 1000 items but only three 9-byte payloads */
	assert_int_equal(telq_init(&q, 1000, 27), 0);
	assert_null(q.items); /* nothing allocated before the first push */
	for (uint64_t s = 1; s <= 3; s++)
		assert_int_equal(telq_push(&q, s, payload(s)), 0);
	assert_int_equal(telq_bytes(&q), 27);
	assert_int_equal(telq_push(&q, 4, payload(4)), 1);
	assert_int_equal(telq_bytes(&q), 27);
	assert_int_equal(telq_len(&q), 3);
	assert_int_equal(q.dropped, 1);
	assert_int_equal(telq_peek(&q)->seq, 2);
	assert_int_equal(telq_peek(&q)->len, 9);
	telq_pop(&q);
	assert_int_equal(telq_bytes(&q), 18);
	telq_free(&q);
}

static void test_large_payload_makes_room(void **state)
{
	struct telq q;
	char *big = filler(20);

	(void)state;
	assert_int_equal(telq_init(&q, 1000, 30), 0);
	for (uint64_t s = 1; s <= 3; s++)
		telq_push(&q, s, payload(s));
	/* 27 + 20 > 30: two 9-byte samples go, the two oldest */
	assert_int_equal(telq_push(&q, 4, big), 2);
	assert_int_equal(q.dropped, 2);
	assert_int_equal(telq_len(&q), 2);
	assert_int_equal(telq_bytes(&q), 9 + 20);
	assert_int_equal(telq_peek(&q)->seq, 3);
	telq_free(&q);
}

static void test_oversized_payload_dropped(void **state)
{
	struct telq q;
	char *big = filler(40);

	(void)state;
	assert_int_equal(telq_init(&q, 1000, 27), 0);
	telq_push(&q, 1, payload(1));
	/* larger than the whole bound: the new one goes (freed), counted */
	assert_int_equal(telq_push(&q, 2, big), 1);
	assert_int_equal(q.dropped, 1);
	assert_int_equal(telq_len(&q), 1);
	assert_int_equal(telq_peek(&q)->seq, 1);
	telq_free(&q);
}

static void test_grows_lazily_and_shrinks_when_empty(void **state)
{
	struct telq q;

	(void)state;
	assert_int_equal(telq_init(&q, 100000, 1u << 20), 0);
	assert_int_equal(q.cap, 0);
	telq_push(&q, 1, payload(1));
	assert_true(q.cap > 0 && q.cap < 100);
	/* wrap the small ring, then grow it: order must survive */
	for (uint64_t s = 2; s <= 10; s++)
		telq_push(&q, s, payload(s));
	for (uint64_t s = 1; s <= 5; s++)
		telq_pop(&q);
	for (uint64_t s = 11; s <= 500; s++)
		telq_push(&q, s, payload(s));
	assert_true(q.cap >= 495 && q.cap < 2048);
	assert_int_equal(q.dropped, 0);
	for (uint64_t s = 6; s <= 500; s++) {
		assert_int_equal(telq_peek(&q)->seq, s);
		telq_pop(&q);
	}
	assert_int_equal(telq_bytes(&q), 0);
	assert_null(q.items); /* the backlog's memory is given back */
	telq_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order),
		cmocka_unit_test(test_full_drops_oldest_and_counts),
		cmocka_unit_test(test_wraparound_many),
		cmocka_unit_test(test_bad_capacity),
		cmocka_unit_test(test_byte_bound_drops_oldest_and_counts),
		cmocka_unit_test(test_large_payload_makes_room),
		cmocka_unit_test(test_oversized_payload_dropped),
		cmocka_unit_test(test_grows_lazily_and_shrinks_when_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
