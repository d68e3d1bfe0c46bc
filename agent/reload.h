/* reload.h: what a new config changes, key by key, and what must be redone. */
#ifndef PIRACK_RELOAD_H
#define PIRACK_RELOAD_H

#include <stdbool.h>
#include "config.h"

/* What depends on a key: the parts of the agent a change must redo. */
enum reload_redo {
	RELOAD_GPIO = 1 << 0,	   /* release and re-request fan/LED lines */
	RELOAD_MQTT = 1 << 1,	   /* reconnect (topics, broker, login) */
	RELOAD_DISCOVERY = 1 << 2, /* send Home Assistant discovery again */
	RELOAD_CONTROL = 1 << 3,   /* move the control socket */
};

struct reload_diff {
	unsigned redo;	   /* enum reload_redo bits */
	unsigned nchanged; /* keys that differ */
	char changed[256]; /* "[fan] driver, [mqtt] host", maybe cut "..." */
};

/*
 * Pure: compares two validated configs field by field (strings up to
 * their NUL, LED lines up to nlines: never padding or stale bytes) and
 * fills d with the keys that differ and what they require.
 */
void reload_diff(const struct config *old, const struct config *next,
		 struct reload_diff *d);

#endif
