/* telq.h: the bounded queue of telemetry samples awaiting the broker. */
#ifndef PIRACK_TELQ_H
#define PIRACK_TELQ_H

#include <stddef.h>
#include <stdint.h>

struct telq_item {
	uint64_t seq;
	char *payload; /* owned, NUL-terminated JSON */
};

/*
 * A ring of at most cap samples, oldest first. When full, a push drops
 * the oldest and counts it: a long outage loses the distant past, never
 * the recent samples nor the order.
 */
struct telq {
	struct telq_item *items;
	size_t cap, head, len;
	uint64_t dropped; /* total dropped since init */
};

/* 0, or -1 when cap is 0 or memory is short. */
int telq_init(struct telq *q, size_t cap);
void telq_free(struct telq *q);
/* Takes ownership of payload. Returns 1 when the oldest was dropped. */
int telq_push(struct telq *q, uint64_t seq, char *payload);
/* The oldest item, or NULL when empty; stays queued. */
const struct telq_item *telq_peek(const struct telq *q);
/* Removes the oldest item and frees its payload. */
void telq_pop(struct telq *q);
size_t telq_len(const struct telq *q);

#endif
