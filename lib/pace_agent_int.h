/* pace_agent_int.h: pace_agent.c's helpers for pace_post.c, no one else. */
#ifndef PIRACK_PACE_AGENT_INT_H
#define PIRACK_PACE_AGENT_INT_H

#include <stddef.h>
#include "pace_agent.h"

/* The connection was closed under us before any of a reply came. */
#define PACE_AGENT_STALE -2

/* Failure: err set, connection closed, retry wait doubled; -1. */
int pace_agent_fail(struct pace_agent *ag, double now, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A new non-blocking connection in ag->fd: 0, or -1 (failed). */
int pace_agent_connect(struct pace_agent *ag, double now);

/* A reply to "pace" into *r: 0, or -1 (failed). */
int pace_agent_parse(struct pace_agent *ag, double now, const char *reply,
		     struct pace_reading *r);

/* "report <json>\n" into line: 0, or 1 when it does not fit (err set). */
int pace_agent_report_line(struct pace_agent *ag, const char *json, char *line,
			   size_t len);

/* A reply to "report": 0 accepted, 1 refused (err set), -1 failed. */
int pace_agent_report_reply(struct pace_agent *ag, double now,
			    const char *reply);

#endif
