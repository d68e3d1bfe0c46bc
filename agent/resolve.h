/* resolve.h: a host name lookup that never blocks the agent's loop. */
#ifndef PIRACK_RESOLVE_H
#define PIRACK_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

struct resolve;

#define RESOLVE_ADDRS_MAX 4 /* addresses kept from one lookup */

/* True when host is an IPv4/IPv6 literal: no lookup needed. */
bool resolve_is_numeric(const char *host);
/* Starts looking host up in a child process; NULL + err on failure. */
struct resolve *resolve_start(const char *host, char *err, size_t errlen);
/* The descriptor to poll for POLLIN: it turns readable with the answer. */
int resolve_fd(const struct resolve *r);
/* 1 = resolved, 0 = still looking, -1 = failed (err says why). */
int resolve_poll(struct resolve *r, char *err, size_t errlen);
/*
 * After resolve_poll returned 1: the n-th address found (numeric,
 * "10.0.0.1"), counting round: n = the attempt, to try each in turn.
 */
const char *resolve_addr(const struct resolve *r, unsigned n);
/* Ends a lookup still running (the child is killed) and frees. */
void resolve_free(struct resolve *r);

#endif
