/* telq.c: the bounded telemetry queue (a growing ring that drops oldest). */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "telq.h"

#define TELQ_MIN_CAP 16 /* first allocation; also kept when emptied */

int telq_init(struct telq *q, size_t max_items, size_t max_bytes)
{
	*q = (struct telq){ .max_items = max_items, .max_bytes = max_bytes };
	return max_items && max_bytes ? 0 : -1;
}

void telq_free(struct telq *q)
{
	while (q->len)
		telq_pop(q);
	free(q->items);
	q->items = NULL;
	q->cap = 0;
}

/* Doubles the ring (unwrapping it); -1 when at max_items or out of memory. */
static int telq_grow(struct telq *q)
{
	size_t cap = q->cap ? q->cap * 2 : TELQ_MIN_CAP, first;
	struct telq_item *items;

	if (q->cap >= q->max_items)
		return -1;
	if (cap > q->max_items)
		cap = q->max_items;
	items = calloc(cap, sizeof(*items));
	if (!items)
		return -1;
	first = q->cap - q->head < q->len ? q->cap - q->head : q->len;
	if (q->len) {
		memcpy(items, q->items + q->head, first * sizeof(*items));
		memcpy(items + first, q->items,
		       (q->len - first) * sizeof(*items));
	}
	free(q->items);
	q->items = items;
	q->cap = cap;
	q->head = 0;
	return 0;
}

int telq_push(struct telq *q, uint64_t seq, char *payload)
{
	size_t n = strlen(payload);
	int dropped = 0;

	if (n > q->max_bytes) {
		/* could only be kept by emptying the queue: the newest goes */
		free(payload);
		q->dropped++;
		return 1;
	}
	while (q->len && q->bytes + n > q->max_bytes) {
		telq_pop(q);
		q->dropped++;
		dropped++;
	}
	/* full ring: grow, or (at max_items, or short of memory) drop */
	if (q->len == q->cap && telq_grow(q) < 0) {
		if (!q->len) {
			free(payload);
			q->dropped++;
			return dropped + 1;
		}
		telq_pop(q);
		q->dropped++;
		dropped++;
	}
	struct telq_item *it = &q->items[(q->head + q->len) % q->cap];

	*it = (struct telq_item){ .seq = seq, .payload = payload, .len = n };
	q->len++;
	q->bytes += n;
	return dropped;
}

const struct telq_item *telq_peek(const struct telq *q)
{
	return q->len ? &q->items[q->head] : NULL;
}

void telq_pop(struct telq *q)
{
	struct telq_item *it;

	if (!q->len)
		return;
	it = &q->items[q->head];
	q->bytes -= it->len;
	free(it->payload);
	*it = (struct telq_item){ 0 };
	q->head = (q->head + 1) % q->cap;
	q->len--;
	/*
	 * An outage's backlog is delivered: give its memory back, to the
	 * system too (the freed payloads are small blocks that glibc would
	 * otherwise keep in the heap for good).
	 */
	if (!q->len && q->cap > TELQ_MIN_CAP) {
		free(q->items);
		q->items = NULL;
		q->cap = 0;
		q->head = 0;
		malloc_trim(0);
	}
}

size_t telq_len(const struct telq *q)
{
	return q->len;
}

size_t telq_bytes(const struct telq *q)
{
	return q->bytes;
}
