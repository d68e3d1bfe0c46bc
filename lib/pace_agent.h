/* pace_agent.h: a client of pirackd's control socket (pace, report). */
#ifndef PIRACK_PACE_AGENT_H
#define PIRACK_PACE_AGENT_H

#include <stdbool.h>
#include "pace_reading.h"

#define PACE_AGENT_PATH_MAX 108 /* sun_path */
#define PACE_AGENT_ERR_MAX 192

struct pace_agent {
	char path[PACE_AGENT_PATH_MAX];
	int fd;		    /* -1 when not connected */
	double timeout_s;   /* per request, connect to reply */
	double retry_s;	    /* wait after a first failure */
	double retry_max_s; /* doubling up to this while it fails */
	unsigned fails_in_row;
	double retry_at;	      /* monotonic s; no attempt before */
	char err[PACE_AGENT_ERR_MAX]; /* last failure, "" = none */
	unsigned long failures;	      /* requests that failed */
};

void pace_agent_init(struct pace_agent *ag, const char *path);

/*
 * "pace" request: 0 with *r filled (source AGENT), or -1 with ag->err set,
 * the connection closed and no new attempt for retry_s, doubled after each
 * failure in a row up to retry_max_s (a hung agent costs one deadline per
 * attempt, so attempts must thin out). A reply
 * that is not the documented JSON object is a failure: "no agent".
 */
int pace_agent_pace(struct pace_agent *ag, double now, struct pace_reading *r);

/*
 * "status": the firmware's get_throttled word from it in *raw (-1 when
 * the node has none). 0, or -1 as for pace_agent_pace.
 */
int pace_agent_throttle(struct pace_agent *ag, double now, int64_t *raw);

/*
 * "report <json>": 0 when the agent answered {"ok":true}; 1 when it
 * answered with an error (ag->err set; the agent stays usable); -1 as
 * for pace_agent_pace.
 */
int pace_agent_report(struct pace_agent *ag, double now, const char *json);

void pace_agent_close(struct pace_agent *ag);

#endif
