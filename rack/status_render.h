/* status_render.h: pirack status's rows: their state, a table, JSON. */
#ifndef PIRACK_STATUS_RENDER_H
#define PIRACK_STATUS_RENDER_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "inventory.h"

enum status_row_state {
	STATUS_ROW_UNKNOWN,
	STATUS_ROW_ONLINE,
	STATUS_ROW_STALE,
	STATUS_ROW_OFFLINE,
};

/* One node as last heard from the broker. */
struct status_row {
	const struct inv_node *node;
	int interval_ms; /* its agent's sample period */
	cJSON *state;	 /* last state message, or NULL */
	char avail[16];	 /* "online", "offline" or "" */
};

/*
 * Offline by its availability, stale when the last sample (its "ts") is
 * older than three sample periods at now (wall-clock seconds), unknown
 * when never heard of.
 */
enum status_row_state status_render_classify(const struct status_row *row,
					     double now);

/* "unknown", "online", "stale", "offline". */
const char *status_render_state_name(enum status_row_state rs);

/* The header and one line per row; colour: ANSI escapes for a terminal. */
void status_render_table(const struct status_row *rows, size_t nrows,
			 bool colour, FILE *out, double now);

/* A JSON array of rows, each with its state object. 0, or -1 (reported). */
int status_render_json(const struct status_row *rows, size_t nrows, FILE *out,
		       double now);

#endif
