/* telq.c: the bounded telemetry queue (a ring that drops the oldest). */
#include <stdlib.h>
#include "telq.h"

int telq_init(struct telq *q, size_t cap)
{
	q->head = q->len = 0;
	q->dropped = 0;
	q->cap = cap;
	q->items = cap ? calloc(cap, sizeof(*q->items)) : NULL;
	return q->items ? 0 : -1;
}

void telq_free(struct telq *q)
{
	while (q->len)
		telq_pop(q);
	free(q->items);
	q->items = NULL;
	q->cap = 0;
}

int telq_push(struct telq *q, uint64_t seq, char *payload)
{
	int dropped = 0;

	if (q->len == q->cap) {
		telq_pop(q);
		q->dropped++;
		dropped = 1;
	}
	struct telq_item *it = &q->items[(q->head + q->len) % q->cap];

	it->seq = seq;
	it->payload = payload;
	q->len++;
	return dropped;
}

const struct telq_item *telq_peek(const struct telq *q)
{
	return q->len ? &q->items[q->head] : NULL;
}

void telq_pop(struct telq *q)
{
	if (!q->len)
		return;
	free(q->items[q->head].payload);
	q->items[q->head].payload = NULL;
	q->head = (q->head + 1) % q->cap;
	q->len--;
}

size_t telq_len(const struct telq *q)
{
	return q->len;
}
