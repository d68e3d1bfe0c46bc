/* telq.h: the bounded queue of telemetry samples awaiting the broker. */
#ifndef PIRACK_TELQ_H
#define PIRACK_TELQ_H

#include <stddef.h>
#include <stdint.h>

struct telq_item {
	uint64_t seq;
	char *payload; /* owned, NUL-terminated JSON */
	size_t len;    /* strlen(payload) */
};

/*
 * A ring of at most max_items samples and max_bytes of payload, oldest
 * first. When a push would pass either bound the oldest are dropped and
 * counted: a long outage loses the distant past, never the recent samples
 * nor the order. The ring is allocated on the first push and grows by
 * doubling, so an agent whose broker never goes away holds a few slots.
 */
struct telq {
	struct telq_item *items;
	size_t cap;	  /* slots allocated now, <= max_items */
	size_t head, len; /* oldest slot, items queued */
	size_t bytes;	  /* payload bytes queued */
	size_t max_items, max_bytes;
	uint64_t dropped; /* total dropped since init */
};

/* 0, or -1 when a bound is 0. Allocates nothing. */
int telq_init(struct telq *q, size_t max_items, size_t max_bytes);
void telq_free(struct telq *q);
/*
 * Takes ownership of payload (freed at once if it alone exceeds max_bytes).
 * Returns how many samples were dropped to make room (or this one).
 */
int telq_push(struct telq *q, uint64_t seq, char *payload);
/* The oldest item, or NULL when empty; stays queued. */
const struct telq_item *telq_peek(const struct telq *q);
/* Removes the oldest item and frees its payload. */
void telq_pop(struct telq *q);
size_t telq_len(const struct telq *q);
size_t telq_bytes(const struct telq *q);

#endif
